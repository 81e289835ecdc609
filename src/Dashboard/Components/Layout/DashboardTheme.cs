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
            Success = "#2e7d32",
            Error = "#c62828",
            Warning = "#ef6c00",
            Info = "#0277bd",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8c9eff",
            Secondary = "#4db6ac",
            AppbarBackground = "#111827",
            Background = "#0b1020",
            Surface = "#161c2e",
            DrawerBackground = "#111827",
            Success = "#66bb6a",
            Error = "#ef5350",
            Warning = "#ffa726",
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
