using MudBlazor;

namespace Dashboard.Components.Layout;

/// <summary>The dashboard's palette: status colors that read the same in light and dark mode.</summary>
internal static class DashboardTheme
{
    public static MudTheme Create() => new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            AppbarBackground = "#1f2937",
            Background = "#f6f7fb",
            // Every text colour reads at 4.5:1 or more on the page and on cards (WCAG AA, checked by axe in the e2e).
            TextSecondary = "#5f6368",
            Success = "#2e7d32",
            SuccessDarken = "#1b5e20",
            Error = "#c62828",
            ErrorDarken = "#a31f1f",
            Warning = "#b45309",
            WarningDarken = "#92400e",
            // 5.4:1 on a hovered table row (#f5f5f5), where #0277bd was 4.4 (a waiting run's chip under the pointer).
            Info = "#0268a6",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            // Dark text on filled primary buttons and chips: white on this light indigo reads at 2.5:1.
            PrimaryContrastText = "#0b1020",
            Secondary = "#4db6ac",
            AppbarBackground = "#111827",
            Background = "#0b1020",
            Surface = "#161c2e",
            DrawerBackground = "#111827",
            Success = "#66bb6a",
            SuccessDarken = "#81c784",
            // Light reds and ambers on the dark surfaces; dark text on filled buttons of those colours.
            Error = "#ff7b72",
            ErrorDarken = "#ff9a92",
            ErrorContrastText = "#1a0505",
            Warning = "#ffa726",
            WarningDarken = "#ffb74d",
            WarningContrastText = "#1a0f00",
            Info = "#4fc3f7",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography
            {
                // No web font: the dashboard runs offline, so it uses what the system has.
                FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
            },
        },
    };
}
