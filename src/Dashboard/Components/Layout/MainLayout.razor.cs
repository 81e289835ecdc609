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
    private bool _isDarkMode;
    private bool _drawerOpen = true;
    private bool _timeChosen;
    private bool _themeChosen;
    private Task<BrowserStartup>? _startup;

    [Inject]
    public required BrowserInterop Browser { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    [Inject]
    public required Security.ViewerScope Viewer { get; init; }

    protected override void OnInitialized()
    {
        Time.Changed += OnTimeChanged;
        // Asked for while the first render is on its way rather than after it: the saved theme and time zone apply a
        // round trip sooner (the module's import and this call were five sequential round trips after the first render).
        if (RendererInfo.IsInteractive)
        {
            _startup = Browser.StartupAsync(ThemeKey, TimeKey);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }
        var startup = await (_startup ??= Browser.StartupAsync(ThemeKey, TimeKey));
        // The saved choice wins, then the system's; a toggle clicked while these load wins over both.
        var dark = startup.Preference(ThemeKey) switch
        {
            "dark" => true,
            "light" => false,
            _ => startup.SystemDark,
        };
        if (!_themeChosen)
        {
            _isDarkMode = dark;
        }
        // Likewise a time toggle clicked meanwhile: the zone is taken, the choice kept.
        Time.Set(useUtc: _timeChosen ? Time.UseUtc : startup.Preference(TimeKey) != "local", startup.TimeZone);
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
        _timeChosen = true;
        Time.Set(!Time.UseUtc);
        await Browser.SetPreferenceAsync(TimeKey, Time.UseUtc ? "utc" : "local");
    }

    private void OnTimeChanged() => _ = InvokeAsync(StateHasChanged);

    public void Dispose() => Time.Changed -= OnTimeChanged;
}
