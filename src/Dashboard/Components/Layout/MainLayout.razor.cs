using Dashboard.Model;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Dashboard.Components.Layout;

public sealed partial class MainLayout : IDisposable
{
    private const string ThemeKey = "dashboard.theme";
    private const string TimeKey = "dashboard.time";

    private readonly MudTheme _theme = DashboardTheme.Create();
    private MudThemeProvider? _themeProvider;
    private bool _isDarkMode;
    private bool _drawerOpen = true;
    private bool _ready;
    private bool _themeChosen;

    [Inject]
    public required BrowserInterop Browser { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    [Inject]
    public required Security.ViewerScope Viewer { get; init; }

    protected override void OnInitialized() => Time.Changed += OnTimeChanged;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        var theme = await Browser.GetPreferenceAsync(ThemeKey);
        // The saved choice wins, then the system's; a toggle clicked while these load wins over both.
        var dark = theme switch
        {
            "dark" => true,
            "light" => false,
            _ => _themeProvider is not null && await _themeProvider.GetSystemDarkModeAsync(),
        };
        if (!_themeChosen)
        {
            _isDarkMode = dark;
        }
        var time = await Browser.GetPreferenceAsync(TimeKey);
        Time.Set(useUtc: time != "local", await Browser.TimeZoneAsync());
        _ready = true;
        StateHasChanged();
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private async Task ToggleDarkModeAsync()
    {
        _themeChosen = true;
        _isDarkMode = !_isDarkMode;
        await Browser.SetPreferenceAsync(ThemeKey, _isDarkMode ? "dark" : "light");
    }

    private async Task ToggleTimeAsync()
    {
        Time.Set(!Time.UseUtc);
        await Browser.SetPreferenceAsync(TimeKey, Time.UseUtc ? "utc" : "local");
    }

    private void OnTimeChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose() => Time.Changed -= OnTimeChanged;
}
