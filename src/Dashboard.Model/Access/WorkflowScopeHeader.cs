using System.Text.Json;

namespace Dashboard.Model.Access;

/// <summary>
/// <c>Runs-Workflow-Scope</c>: a caller narrows what its own key sees to some workflows, per request. The dashboard sends
/// it on behalf of the signed-in user, so one service key serves users of different scopes. Narrowing only: the service
/// intersects it with the key's workflows, so no header can widen a key. The value is a JSON array of workflow ids,
/// ASCII-escaped (<c>[]</c>: nothing).
/// </summary>
public static class WorkflowScopeHeader
{
    public const string Name = "Runs-Workflow-Scope";

    /// <summary>The longest value accepted: a user's list of workflows, not a data channel.</summary>
    public const int MaxLength = 8192;

    public static string Format(IEnumerable<string> workflows) =>
        // The default encoder escapes every non-ASCII character, which keeps the header value plain ASCII.
        JsonSerializer.Serialize(workflows.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    /// <summary>The workflows of a header value, or null when it is not a JSON array of non-empty strings.</summary>
    public static IReadOnlySet<string>? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxLength)
        {
            return null;
        }
        try
        {
            var ids = JsonSerializer.Deserialize<string?[]>(value);
            return ids is null || ids.Any(string.IsNullOrEmpty) ? null : ids.Select(id => id!).ToHashSet(StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
