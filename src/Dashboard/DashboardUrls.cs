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

    public static string Executions(string? parentRunId = null, string? status = null, string? workflowId = null, string? model = null, string? failure = null,
        Model.ListPeriod? period = null)
    {
        var query = new List<string>();
        if (failure is not null)
        {
            query.Add("failure=" + Uri.EscapeDataString(failure));
        }
        if (model is not null)
        {
            query.Add("model=" + Uri.EscapeDataString(model));
        }
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
        if (period is not null)
        {
            query.AddRange(period.ToQuery());
        }
        return query.Count == 0 ? ExecutionsPath : ExecutionsPath + "?" + string.Join('&', query);
    }

    /// <summary>A run, optionally opened at a step (and loop iteration, attempt, tab).</summary>
    /// <summary>Two runs side by side: <paramref name="left"/> (say, the last good run) against <paramref name="right"/>.</summary>
    public static string Compare(string left, string right) =>
        $"{ExecutionsPath}/{Uri.EscapeDataString(left)}/compare/{Uri.EscapeDataString(right)}";

    public static string Run(string runId, string? stepId = null, int? loopIndex = null, int? attempt = null, string? tab = null, string? find = null)
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
        if (find is not null)
        {
            query.Add("find=" + Uri.EscapeDataString(find));
        }
        return query.Count == 0 ? url : url + "?" + string.Join('&', query);
    }

    /// <summary>
    /// Where a search hit opens: the step's attempt on the tab of the payload that matched (the run's logs, input or result
    /// for the run's own), with the viewer searching for <paramref name="find"/>.
    /// </summary>
    public static string SearchHit(Dashboard.Model.Search.SearchHit hit, string find) => hit.Field switch
    {
        Dashboard.Model.Search.SearchFields.RunInput => Run(hit.RunId, tab: RunPayloadTabs.Input, find: find),
        Dashboard.Model.Search.SearchFields.Result => Run(hit.RunId, tab: RunPayloadTabs.Result, find: find),
        Dashboard.Model.Search.SearchFields.Log when hit.StepId is null => Run(hit.RunId, tab: "logs", find: find),
        _ when hit.StepId is null => Run(hit.RunId),
        var field => Run(hit.RunId, hit.StepId, hit.LoopIndex, hit.Attempt, field switch
        {
            Dashboard.Model.Search.SearchFields.MappedOutput => "mapped",
            Dashboard.Model.Search.SearchFields.Log => "logs",
            _ => field,
        }, find),
    };
}

/// <summary>The run page's tabs for the run's own payloads (those of a step are the step panel's).</summary>
public static class RunPayloadTabs
{
    public const string Input = "run-input";
    public const string Result = "run-result";
}
