namespace Dashboard;

/// <summary>Every route of the dashboard, built in one place so that links and pages cannot drift.</summary>
public static class DashboardUrls
{
    public const string ExecutionsPath = "/runs";
    public const string NotFoundPath = "/not-found";
    public const string LivePath = "/live";
    public const string EmbedPrefix = "/embed";
    public const string HubPath = "/hubs/runs";
    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";

    /// <summary>The chromeless view of one run, for a portal's iframe.</summary>
    public static string EmbedRun(string runId) => $"{EmbedPrefix}/runs/{Uri.EscapeDataString(runId)}";

    public static string Executions(string? parentRunId = null, string? status = null, string? workflowId = null)
    {
        var query = new List<string>();
        if (status is not null)
        {
            query.Add("status=" + Uri.EscapeDataString(status));
        }
        if (workflowId is not null)
        {
            query.Add("workflow=" + Uri.EscapeDataString(workflowId));
        }
        if (parentRunId is not null)
        {
            query.Add("parent=" + Uri.EscapeDataString(parentRunId));
        }
        return query.Count == 0 ? ExecutionsPath : ExecutionsPath + "?" + string.Join('&', query);
    }

    /// <summary>A run, optionally opened at a step (and loop iteration, attempt, tab).</summary>
    /// <summary>Two runs side by side: <paramref name="left"/> (say, the last good run) against <paramref name="right"/>.</summary>
    public static string Compare(string left, string right) =>
        $"{ExecutionsPath}/{Uri.EscapeDataString(left)}/compare/{Uri.EscapeDataString(right)}";

    public static string Run(string runId, string? stepId = null, int? loopIndex = null, int? attempt = null, string? tab = null)
    {
        var url = $"{ExecutionsPath}/{Uri.EscapeDataString(runId)}";
        var query = new List<string>();
        if (stepId is not null)
        {
            query.Add("step=" + Uri.EscapeDataString(stepId));
        }
        if (loopIndex is { } loop)
        {
            query.Add("loop=" + loop.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (attempt is { } n)
        {
            query.Add("attempt=" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (tab is not null)
        {
            query.Add("tab=" + Uri.EscapeDataString(tab));
        }
        return query.Count == 0 ? url : url + "?" + string.Join('&', query);
    }
}
