using System.Text.Json;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>The real app with its sample workload on: a fresh install that reports two hours of history at start.</summary>
public sealed class SampleWorkloadFixture : BrowserFixture
{
    protected override string[] AppArguments => ["--SampleWorkload:Enabled", "true"];

    /// <summary>The id of the newest finished run of a workflow, once the sample history has it.</summary>
    public async Task<string> RunOfAsync(string workflowId, string status)
    {
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        for (var i = 0; i < 120; i++)
        {
            var body = await http.GetStringAsync($"api/runs?workflowId={workflowId}&status={status}&limit=1");
            var items = JsonDocument.Parse(body).RootElement.GetProperty("items");
            if (items.GetArrayLength() > 0)
            {
                return items[0].GetProperty("id").GetString()!;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"No {status} run of {workflowId} appeared.");
    }

    /// <summary>The signature of a workflow's failure group with this error code in the last day, once its runs are counted.</summary>
    public async Task<string> FailureGroupOfAsync(string workflowId, string errorCode)
    {
        await RunOfAsync(workflowId, "failed");
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        for (var i = 0; i < 120; i++)
        {
            var body = await http.GetStringAsync($"api/insights/failures?workflowId={workflowId}");
            var group = JsonDocument.Parse(body).RootElement.GetProperty("groups").EnumerateArray()
                .FirstOrDefault(g => g.GetProperty("errorCode").ValueKind == JsonValueKind.String && g.GetProperty("errorCode").GetString() == errorCode);
            if (group.ValueKind == JsonValueKind.Object)
            {
                return group.GetProperty("signature").GetString()!;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"No failure group {errorCode} of {workflowId} appeared.");
    }

    /// <summary>A completed run of the workflow with a log line that starts so, on a step.</summary>
    public async Task<string> RunWithStepLogAsync(string workflowId, string messageStart)
    {
        using var http = new HttpClient { BaseAddress = App.BaseAddress };
        for (var i = 0; i < 360; i++)
        {
            var body = await http.GetStringAsync($"api/runs?workflowId={workflowId}&status=completed&limit=5");
            foreach (var run in JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray())
            {
                var id = run.GetProperty("id").GetString()!;
                var logs = JsonDocument.Parse(await http.GetStringAsync($"api/runs/{id}/logs")).RootElement.GetProperty("items");
                if (logs.EnumerateArray().Any(l => l.TryGetProperty("stepId", out _) && l.GetProperty("message").GetString()!.StartsWith(messageStart, StringComparison.Ordinal)))
                {
                    return id;
                }
            }
            await Task.Delay(500);
        }
        throw new TimeoutException($"No completed run of {workflowId} with a line \"{messageStart}…\" on a step appeared.");
    }
}

internal static class RunPageExtensions
{
    /// <summary>The timeline row of a step (by its accessible name, which starts with the step's label).</summary>
    public static ILocator TimelineRow(this IPage page, string label) =>
        page.GetByRole(AriaRole.Listbox, new() { Name = "Step timeline" }).GetByRole(AriaRole.Option, new() { NameRegex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(label)) });
}
