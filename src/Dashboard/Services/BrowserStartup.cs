namespace Dashboard.Services;

/// <summary>What the browser says when a circuit starts: saved preferences by key, whether the system is in dark mode, its time zone.</summary>
public sealed record BrowserStartup(IReadOnlyDictionary<string, string?> Preferences, bool SystemDark, string? TimeZone)
{
    /// <summary>A browser that said nothing: no saved choices, light, time zone unknown.</summary>
    public static BrowserStartup Unknown { get; } = new(new Dictionary<string, string?>(), false, null);

    public string? Preference(string key) => Preferences.TryGetValue(key, out var value) ? value : null;
}
