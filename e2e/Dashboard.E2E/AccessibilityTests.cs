using System.Text.Json;
using Dashboard.Testing;
using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// axe-core (npm, installed by .ci/setup) run in each page, light and dark, at 1440 px: no serious or critical WCAG 2.1
/// A/AA violation.
/// </summary>
public sealed class AccessibilityTests(SampleWorkloadFixture fixture) : IClassFixture<SampleWorkloadFixture>
{
    private static readonly string AxeScript = File.ReadAllText(Path.Combine(RepoPaths.Root, "e2e", "axe", "node_modules", "axe-core", "axe.min.js"));

    public static TheoryData<string, bool> PagesAndThemes()
    {
        var data = new TheoryData<string, bool>();
        foreach (var page in (string[])["overview", "list", "list-held", "run", "run-children", "live", "embed", "embed-workflow", "compare", "compare-diff", "list-search", "run-output", "run-find", "run-logs", "run-chat", "run-attempts", "run-loop", "run-confirm"])
        {
            data.Add(page, false);
            data.Add(page, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAndThemes))]
    public async Task NoSeriousOrCriticalViolation(string name, bool dark)
    {
        var (runWorkflow, runStatus) = name switch
        {
            "run-children" => ("customer-onboarding", "completed"),
            "run-chat" => ("support-triage", "completed"),
            "run-attempts" => ("invoice-approval", "completed"),
            "run-loop" => ("warehouse-sync", "completed"),
            _ => ("refund-request", "failed"),
        };
        var failedRun = await fixture.RunOfAsync(runWorkflow, runStatus);
        var (context, page, _) = await fixture.NewPageAsync(bypassCsp: true);
        await using var __ = context;
        await page.SetViewportSizeAsync(1440, 900);
        var runPath = "runs/" + Uri.EscapeDataString(failedRun);
        var goodRun = name.StartsWith("compare", StringComparison.Ordinal) ? await fixture.RunOfAsync("refund-request", "completed") : null;
        var (url, ready) = name switch
        {
            "overview" => ("", page.GetByRole(AriaRole.Region, new() { Name = "Failure groups" })),
            "embed-workflow" => ("embed/workflows/refund-request?", page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).Locator("tbody tr").First),
            // A search inside payloads and logs: its hits with the words marked.
            "list-search" => ("runs?q=ORD&in=payloads", page.GetByRole(AriaRole.Region, new() { Name = "Matches in payloads and logs" }).Locator("li.hit").First),
            // A step's output in the JSON viewer's tree, and its log lines.
            "run-output" => ($"{runPath}?step=check-eligibility&tab=output", page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" })),
            "run-logs" => ($"{runPath}?step=issue-refund&tab=logs", page.GetByRole(AriaRole.Log, new() { Name = "Log lines" }).Locator(".log-line").First),
            "run-find" => ($"{runPath}?step=check-eligibility&tab=output&find=ORD", page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" }).Locator(".json-match").First),
            // A model call's input read as its conversation; a retried step's two attempts side by side.
            "run-chat" => ($"{runPath}?step=draft-reply&tab=input", page.GetByRole(AriaRole.List, new() { Name = "Input messages" })),
            "run-attempts" => ($"{runPath}?step=charge-card&compare=1,2&tab=error", page.GetByRole(AriaRole.Region, new() { Name = "Attempt 1 against attempt 2" })),
            "run-loop" => ($"{runPath}?step=sync-table&loop=3", page.GetByRole(AriaRole.Listbox, new() { Name = "Loop iterations" })),
            "run-confirm" => (runPath, page.GetByRole(AriaRole.Button, new() { Name = "Rerun", Exact = true })),
            "compare-diff" => ($"{runPath}/compare/{Uri.EscapeDataString(goodRun!)}", page.Locator(".compare-table .side-error").First),
            "compare" => ($"{runPath}/compare/{Uri.EscapeDataString(goodRun!)}", page.Locator(".compare-table .side-error").First),
            "list" or "list-held" => ("runs", page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).Locator("tbody tr").First),
            "run" => ($"{runPath}?step=issue-refund&tab=error", page.GetByRole(AriaRole.Region, new() { Name = "Attempts" })),
            "run-children" => ($"{runPath}?step=provision", page.GetByRole(AriaRole.Region, new() { Name = "Attempts" })),
            "live" => ("live", page.GetByRole(AriaRole.Heading, new() { Level = 1 })),
            _ => ($"embed/{runPath}?step=issue-refund", page.GetByRole(AriaRole.Region, new() { Name = "Attempts" })),
        };
        await page.GotoAsync(url);
        await page.WaitForInteractiveAsync();
        if (dark && !name.StartsWith("embed", StringComparison.Ordinal))
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Switch to dark mode" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Switch to light mode" })).ToBeVisibleAsync();
            // The pointer rests on the toggle, whose tooltip fades in: scanned mid-fade its text has the contrast of a
            // half-transparent layer. A user moves on; so does the test, and waits for the tooltip to go.
            await page.Mouse.MoveAsync(600, 700);
            await Assertions.Expect(page.GetByText("Switch to light mode", new() { Exact = true })).ToBeHiddenAsync();
        }
        else if (dark)
        {
            await page.GotoAsync(url + "&theme=dark");
            await page.WaitForInteractiveAsync();
        }
        await Assertions.Expect(ready).ToBeVisibleAsync(new() { Timeout = 20_000 });
        if (name == "run-confirm")
        {
            // An action asks before it acts: the confirmation in place, its button and the reason field.
            await page.GetByRole(AriaRole.Button, new() { Name = "Rerun", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Confirm: Rerun" })).ToBeVisibleAsync();
        }
        if (name == "compare-diff")
        {
            // The first divergence's payloads, line by line, the lines each side has alone marked.
            await page.GetByRole(AriaRole.Button, new() { Name = "Diff the payloads of Check eligibility" }).ClickAsync();
            await Assertions.Expect(page.Locator(".payload-diff .diff-added").First).ToBeVisibleAsync();
        }
        if (name == "run-children")
        {
            // A parent's step with its child run's steps unfolded under it (rows that open the child's page).
            await page.Locator(".child-toggle").ClickAsync();
            await Assertions.Expect(page.TimelineRow("Configure SSO")).ToBeVisibleAsync();
        }

        if (name == "list-held")
        {
            // A waiting run of a workflow of its own under the pointer (the info colour on a hovered row is the list's
            // least contrast), and another run reported meanwhile: the list holds still and says so.
            using var http = new HttpClient { BaseAddress = fixture.App.BaseAddress };
            var workflow = $"a11y-held-{Guid.NewGuid():N}"[..18];
            async Task ReportAsync(string runId, string events) =>
                (await http.PostAsync($"api/runs/{runId}/events", new StringContent(events, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
            string At() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'");
            await ReportAsync($"{workflow}-waiting", $$"""[{"type":"run_started","timestamp":"{{At()}}","workflowId":"{{workflow}}"},{"type":"run_waiting","timestamp":"{{At()}}","reason":"approval"}]""");
            await page.GotoAsync($"runs?workflow={workflow}");
            await page.WaitForInteractiveAsync();
            var list = page.GetByRole(AriaRole.Region, new() { Name = "Executions list" });
            await Assertions.Expect(list.Locator("tbody tr").First).ToContainTextAsync("waiting");
            await list.Locator("tbody tr").First.GetByRole(AriaRole.Link).First.HoverAsync();
            await Assertions.Expect(list).ToHaveAttributeAsync("data-holding", "true");
            await ReportAsync($"{workflow}-new", $$"""[{"type":"run_started","timestamp":"{{At()}}","workflowId":"{{workflow}}"}]""");
            await Assertions.Expect(list.GetByRole(AriaRole.Status)).ToContainTextAsync("Updates paused while pointing", new() { Timeout = 20_000 });
        }

        await page.AddScriptTagAsync(new() { Content = AxeScript });
        var json = await page.EvaluateAsync<JsonElement>("""
            async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))
              .violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\n').slice(0, 2).join(' ')) }))
            """);
        await page.ScreenshotAsync($"a11y-{name}-{(dark ? "dark" : "light")}");

        var violations = json.EnumerateArray().Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}):\n    "
            + string.Join("\n    ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()))).ToList();
        Assert.True(violations.Count == 0, $"{name} ({(dark ? "dark" : "light")}):\n" + string.Join("\n", violations));
    }
}
