using System.Text.Json;

namespace Dashboard.Model;

/// <summary>A named set of list filters: the list's URL query, so a saved view is also a link anyone can open.</summary>
public sealed record SavedView(string Name, string Query);

/// <summary>The saved views of this browser (kept in its local storage), newest first, at most <see cref="MaxViews"/>.</summary>
public static class SavedViews
{
    public const string PreferenceKey = "dashboard.savedViews";
    public const int MaxViews = 20;
    public const int MaxNameLength = 60;

    /// <summary>What was stored, or nothing when it is missing or not what this code writes.</summary>
    public static IReadOnlyList<SavedView> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }
        try
        {
            return (JsonSerializer.Deserialize<List<SavedView>>(json) ?? [])
                .Where(v => !string.IsNullOrWhiteSpace(v?.Name) && v.Query is not null)
                .Take(MaxViews)
                .ToList();
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public static string Serialize(IReadOnlyList<SavedView> views) => JsonSerializer.Serialize(views);

    /// <summary>Adds (or replaces, by name) a view; the query loses its page cursor, so the view opens on the first page.</summary>
    public static IReadOnlyList<SavedView> Save(IReadOnlyList<SavedView> views, string name, string query)
    {
        var trimmed = name.Trim();
        if (trimmed.Length == 0)
        {
            return views;
        }
        var view = new SavedView(trimmed.Length > MaxNameLength ? trimmed[..MaxNameLength] : trimmed, WithoutCursor(query));
        return views.Where(v => !string.Equals(v.Name, view.Name, StringComparison.Ordinal)).Prepend(view).Take(MaxViews).ToList();
    }

    public static IReadOnlyList<SavedView> Remove(IReadOnlyList<SavedView> views, string name) =>
        views.Where(v => !string.Equals(v.Name, name, StringComparison.Ordinal)).ToList();

    private static string WithoutCursor(string query) => string.Join('&', query.TrimStart('?')
        .Split('&', StringSplitOptions.RemoveEmptyEntries)
        .Where(part => !part.StartsWith("cursor=", StringComparison.Ordinal)));
}
