using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dashboard.E2E;

public sealed class RunPageTests(SampleWorkloadFixture fixture) : IClassFixture<SampleWorkloadFixture>
{
    [Fact]
    public async Task FilterToFailed_OpenARun_ReachTheFailingStepsError()
    {
        await fixture.RunOfAsync("refund-request", "failed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync("/runs");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).GetByRole(AriaRole.Table)).ToBeVisibleAsync();
        await page.ScreenshotAsync("executions");

        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^failed \\d") }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("status=failed"), new() { Timeout = 10_000 });
        var rows = page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).GetByRole(AriaRole.Table).Locator("tbody tr");
        await Assertions.Expect(rows.First).ToContainTextAsync("failed");
        // Waits out the list's reload: the unfiltered rows may still be on screen when the URL has changed.
        await Assertions.Expect(rows.Filter(new() { HasNotText = "failed" })).ToHaveCountAsync(0, new() { Timeout = 10_000 });
        await page.ScreenshotAsync("executions-failed");

        // Failed runs other tests report are added above it live: the click waits for the list to hold still.
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^refund-request-") }).First.ClickInHeldListAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Refund request", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("REFUND_WINDOW_CLOSED");
        await page.GetByRole(AriaRole.Button, new() { Name = "Go to failing step" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("step=issue-refund.*tab=error|tab=error.*step=issue-refund"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Error" })).ToContainTextAsync("refund window closed");
        // The error's data, as a tree: what the processor said, beside the message and the stack.
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Error" })).ToContainTextAsync("stripe");
        await page.ScreenshotAsync("run-failed-error");
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData(1440)]
    [InlineData(800)]
    public async Task Logs_OfAFailedRun_OpenOnAsk_AndFilterToErrors(int width)
    {
        var runId = await fixture.RunOfAsync("refund-request", "failed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.SetViewportSizeAsync(width, 900);
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Logs" }).ClickAsync();
        var lines = page.GetByRole(AriaRole.Log, new() { Name = "Log lines" }).Locator(".log-line");
        await Assertions.Expect(lines).ToHaveCountAsync(2);
        await Assertions.Expect(lines.Last).ToContainTextAsync("processor refused the refund");

        await page.GetByRole(AriaRole.Combobox, new() { Name = "Log level" }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "error and above" }).ClickAsync();
        await Assertions.Expect(lines).ToHaveCountAsync(1);
        await Assertions.Expect(lines.First).ToContainTextAsync("window closed");
        // Which step it came from, on the line itself, in an 800 px embed too.
        await Assertions.Expect(lines.First.Locator(".log-where")).ToBeVisibleAsync();
        await Assertions.Expect(lines.First.Locator(".log-where")).ToContainTextAsync("issue-refund");
        // The line whole, with its fields, below the list.
        await lines.First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { NameRegex = new Regex("^Log line \\d+$") })).ToContainTextAsync("window closed");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        await page.ScreenshotAsync($"run-logs-{width}");

        // The failing step's own lines, in its panel's Logs tab.
        await page.GetByRole(AriaRole.Button, new() { Name = "Go to failing step" }).ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Logs" }).ClickAsync();
        var stepLines = page.GetByRole(AriaRole.Log, new() { Name = "Log lines of this attempt" }).Locator(".log-line");
        await Assertions.Expect(stepLines).ToHaveCountAsync(2);
        await Assertions.Expect(stepLines.First).ToContainTextAsync("refunding");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AnOpenTelemetryAgentsLogLines_ShowOnTheRun_AndOnTheStepsTheyWereWrittenIn()
    {
        // The sample's research agent reports spans to /v1/traces and, when it runs live (not the backlog's runs), log
        // lines to /v1/logs, with the OpenTelemetry SDK.
        var runId = await fixture.RunWithStepLogAsync("research-agent", "Searching the web for");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Logs" }).ClickAsync();
        var lines = page.GetByRole(AriaRole.Log, new() { Name = "Log lines" }).Locator(".log-line");
        await Assertions.Expect(lines.Filter(new() { HasText = "Searching the web for" })).ToHaveCountAsync(3);
        await Assertions.Expect(lines.Filter(new() { HasText = "answered slowly" })).ToHaveCountAsync(1);
        await Assertions.Expect(lines.Last).ToContainTextAsync("ready");
        await page.ScreenshotAsync("run-otlp-logs");

        // The summarising step's own lines: its span event and the line written while it ran.
        await page.TimelineRow("summarize").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Logs" }).ClickAsync();
        var stepLines = page.GetByRole(AriaRole.Log, new() { Name = "Log lines of this attempt" }).Locator(".log-line");
        await Assertions.Expect(stepLines).ToHaveCountAsync(2);
        await Assertions.Expect(stepLines.Last).ToContainTextAsync("Summarising 3 sources with gpt-4o-mini");
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData(1440)]
    [InlineData(800)]
    public async Task AModelCallsInput_ReadsAsTheConversationItSent_ToolCallsAndResultsIncluded(int width)
    {
        var runId = await fixture.RunOfAsync("support-triage", "completed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.SetViewportSizeAsync(width, 900);
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        await page.TimelineRow("Draft reply").ClickAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Input" }).ClickAsync();
        var messages = page.GetByRole(AriaRole.List, new() { Name = "Input messages" }).GetByRole(AriaRole.Listitem);
        await Assertions.Expect(messages).ToHaveCountAsync(4);
        await Assertions.Expect(messages.Nth(0)).ToContainTextAsync("billing support");
        await Assertions.Expect(messages.Nth(2)).ToContainTextAsync("search_knowledge_base");
        // The call's arguments, sent as JSON text, read indented; the tool's answer names the call.
        await Assertions.Expect(messages.Nth(2).Locator("pre")).ToContainTextAsync("\"limit\": 3");
        await Assertions.Expect(messages.Nth(3).Locator(".chat-tool-head")).ToHaveTextAsync(new Regex("^\\s*Result\\s*of\\s*call_\\d+\\s*$"));
        await Assertions.Expect(messages.Nth(3)).ToContainTextAsync("KB-204");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        await page.ScreenshotAsync(width == 1440 ? "run-chat-messages" : $"run-chat-messages-{width}");

        // The same input as JSON, a click away.
        await page.GetByRole(AriaRole.Button, new() { Name = "Tree" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Tree, new() { Name = "Input" })).ToContainTextAsync("gpt-4o");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task FromASampleFailure_SearchAValueOfItsOutput_ReadItsErrors_AndCompareWithTheLastGoodRun()
    {
        var runId = await fixture.RunOfAsync("refund-request", "failed");
        await fixture.RunOfAsync("refund-request", "completed");
        using var http = new HttpClient { BaseAddress = fixture.App.BaseAddress };
        var order = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"api/runs/{runId}", TestContext.Current.CancellationToken))
            .RootElement.GetProperty("input").GetProperty("order").GetString()!;
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync("/runs");
        await page.WaitForInteractiveAsync();

        // The order id, searched inside the payloads: the eligibility check's output names it.
        await page.GetByRole(AriaRole.Textbox, new() { Name = "Search executions" }).FillAsync(order);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"q={order}"), new() { Timeout = 10_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "in payloads and logs" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("in=payloads"), new() { Timeout = 10_000 });
        var hits = page.GetByRole(AriaRole.Region, new() { Name = "Matches in payloads and logs" }).Locator("li.hit");
        var output = hits.Filter(new() { HasText = "step check-eligibility · attempt 1 · output" });
        await Assertions.Expect(output).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        await Assertions.Expect(output.Locator("mark").First).ToHaveTextAsync(order);
        await Assertions.Expect(hits.Filter(new() { HasText = "log line" })).Not.ToHaveCountAsync(0);
        await page.ScreenshotAsync("search-payloads");

        await output.GetByRole(AriaRole.Link, new() { Name = "step check-eligibility · attempt 1 · output" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/runs/{runId}\\?step=check-eligibility&attempt=1&tab=output&find={order}"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Textbox, new() { Name = "Search in Output" })).ToHaveValueAsync(order);
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Output JSON" }).GetByRole(AriaRole.Status)).ToHaveTextAsync("1 match");

        // Its errors, in the run's logs.
        await page.GetByRole(AriaRole.Button, new() { Name = "Logs" }).ClickAsync();
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Log level" }).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "error and above" }).ClickAsync();
        var lines = page.GetByRole(AriaRole.Log, new() { Name = "Log lines" }).Locator(".log-line");
        await Assertions.Expect(lines).ToHaveCountAsync(1);
        await Assertions.Expect(lines.First).ToContainTextAsync($"processor refused the refund of {order}");

        // Against the last refund that went through: they part at the eligibility check, whose output (the capture 97
        // days ago) is the cause; the refund then fails on one side only.
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare with the last successful run" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/runs/refund-request-[^/]+/compare/{runId}$"), new() { Timeout = 10_000 });
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Steps of both runs" });
        var current = table.Locator("tr[aria-current='true']");
        await Assertions.Expect(current).ToContainTextAsync("Check eligibility");
        await Assertions.Expect(current).ToContainTextAsync("output differs");
        await Assertions.Expect(table.Locator("tr").Filter(new() { HasText = "Issue refund" })).ToContainTextAsync("was captured 97 days ago");
        // The divergence's payloads, side by side: the capture date is the cause.
        await current.GetByRole(AriaRole.Button, new() { Name = "Diff the payloads of Check eligibility" }).ClickAsync();
        var diff = page.Locator(".payload-diff .compare");
        await Assertions.Expect(diff).ToContainTextAsync("output: left run (attempt 1) → right run (attempt 1)");
        await Assertions.Expect(diff.Locator(".diff-added").Filter(new() { HasText = "\"capturedDaysAgo\": 97" })).ToHaveCountAsync(1);
        await page.ScreenshotAsync("run-compare-diff");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheSampleParentRun_ShowsItsChildInATree_AndTheStepThatStartedIt()
    {
        var parent = await fixture.RunOfAsync("customer-onboarding", "completed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{parent}");
        await page.WaitForInteractiveAsync();

        var tree = page.GetByRole(AriaRole.Region, new() { Name = "Child runs" });
        var child = tree.GetByRole(AriaRole.Treeitem);
        await Assertions.Expect(child).ToHaveCountAsync(1);
        await Assertions.Expect(child).ToContainTextAsync("Provision account");
        await Assertions.Expect(child).ToContainTextAsync("from step provision");
        await Assertions.Expect(child).ToContainTextAsync("completed");
        await page.ScreenshotAsync("run-child-tree");

        await page.TimelineRow("Provision account (child run)").ClickAsync();
        var started = page.GetByRole(AriaRole.Group, new() { Name = "Child runs this step started" });
        await Assertions.Expect(started).ToContainTextAsync("Provision account");
        await started.GetByRole(AriaRole.Link).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Provision account", Level = 1 })).ToBeVisibleAsync();
        Assert.Empty(errors);
    }

    [Fact]
    public async Task TheSampleParentRun_UnfoldsItsChildsStepsUnderTheStepThatStartedIt()
    {
        var parent = await fixture.RunOfAsync("customer-onboarding", "completed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{parent}");
        await page.WaitForInteractiveAsync();

        // With the keyboard: on the step that started the child, → unfolds its steps.
        var step = page.TimelineRow("Provision account (child run)");
        await Assertions.Expect(step).ToHaveAccessibleNameAsync(new Regex("started 1 run, right arrow to unfold"));
        await step.ClickAsync();
        await Assertions.Expect(step).ToHaveAttributeAsync("aria-selected", "true");
        await page.Keyboard.PressAsync("ArrowRight");

        // The child's steps follow its row, between the parent's step and the parent's next one.
        var labels = page.GetByRole(AriaRole.Listbox, new() { Name = "Step timeline" }).Locator(".timeline-row .label-text");
        await Assertions.Expect(labels).ToHaveTextAsync(
            ["Create CRM record", "Provision account (child run)", "Provision account", "Create tenant", "Configure SSO", "Invite admins", "Write welcome email"]);
        await page.ScreenshotAsync("run-child-steps");

        // A child's step leads to that step on the child's page.
        await page.TimelineRow("Configure SSO").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/runs/provision-account-[^?]+\\?step=configure-sso$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Provision account", Level = 1 })).ToBeVisibleAsync();
        await Assertions.Expect(page.TimelineRow("Configure SSO")).ToHaveAttributeAsync("aria-selected", "true");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AFailedRun_ComparedWithTheLastSuccessfulOne_ShowsWhereTheyDiverge()
    {
        var workflow = $"wf-diff-{Guid.NewGuid():N}"[..20];
        string Events(bool fails) =>
            $$"""[{"type":"run_started","timestamp":"2026-12-01T08:00:00Z","workflowId":"{{workflow}}","workflowName":"Diff demo"},""" +
            """{"type":"step_started","timestamp":"2026-12-01T08:00:01Z","stepId":"fetch"},{"type":"step_completed","timestamp":"2026-12-01T08:00:02Z","stepId":"fetch","output":{"rows":3}},""" +
            """{"type":"step_started","timestamp":"2026-12-01T08:00:03Z","stepId":"charge"},""" +
            (fails
                ? """{"type":"step_failed","timestamp":"2026-12-01T08:00:04Z","stepId":"charge","willRetry":false,"error":{"message":"card declined"}},{"type":"run_failed","timestamp":"2026-12-01T08:00:05Z","error":{"message":"card declined"}}]"""
                : """{"type":"step_completed","timestamp":"2026-12-01T08:00:04Z","stepId":"charge","output":{"ok":true}},{"type":"run_completed","timestamp":"2026-12-01T08:00:05Z"}]""");
        using var http = new HttpClient { BaseAddress = fixture.App.BaseAddress };
        var good = $"{workflow}-good";
        var bad = $"{workflow}-bad";
        foreach (var (runId, fails) in new[] { (good, false), (bad, true) })
        {
            using var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent(Events(fails), System.Text.Encoding.UTF8, "application/json"),
                TestContext.Current.CancellationToken);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{bad}");
        await page.WaitForInteractiveAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Compare with the last successful run" }).ClickAsync();

        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/runs/{good}/compare/{bad}$"));
        var table = page.GetByRole(AriaRole.Table, new() { Name = "Steps of both runs" });
        await Assertions.Expect(table.Locator("tr[aria-current='true']")).ToContainTextAsync("charge");
        await Assertions.Expect(table.Locator("tr[aria-current='true']")).ToContainTextAsync("card declined");
        await Assertions.Expect(page.GetByTestId("compare-summary")).ToContainTextAsync("first diverge at step 2 of 2");
        await page.ScreenshotAsync("run-compare");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task AMalformedLink_OpensThePageOrSaysNoSuchRun_NotTheErrorPage()
    {
        var runId = await fixture.RunOfAsync("refund-request", "failed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;

        // ?attempt=abc (or a number past an int's range) threw while the page was prerendered: the error page, not the run.
        foreach (var query in (string[])["step=issue-refund&attempt=abc", "step=issue-refund&attempt=99999999999999999999&loop=x&failed=maybe"])
        {
            var response = await page.GotoAsync($"/runs/{runId}?{query}");
            Assert.Equal(200, response!.Status);
            await page.WaitForInteractiveAsync();
            await Assertions.Expect(page.GetByLabel("Step details").GetByRole(AriaRole.Heading, new() { Name = "Issue refund" })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Attempts" }).Locator("tbody tr")).ToHaveCountAsync(1);
        }
        var list = await page.GotoAsync("/runs?size=abc");
        Assert.Equal(200, list!.Status);
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).Locator("tbody tr").First).ToBeVisibleAsync();

        // Nor is an id no run can have (over 256 characters, a control character) an error page: no such run.
        var tooLong = new string('x', 300);
        foreach (var path in (string[])[$"/runs/{tooLong}", "/runs/a%01b", $"/embed/runs/{tooLong}"])
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Run not found" })).ToBeVisibleAsync();
        }
        var compare = await page.GotoAsync($"/runs/{tooLong}/compare/{Uri.EscapeDataString(runId)}");
        Assert.Equal(200, compare!.Status);
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("does not exist");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task RetriedStep_ShowsEveryAttempt_AndComparesTwo()
    {
        var runId = await fixture.RunOfAsync("invoice-approval", "completed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        await page.TimelineRow("Charge corporate card").ClickAsync();
        var attempts = page.GetByRole(AriaRole.Region, new() { Name = "Attempts" }).GetByRole(AriaRole.Table).Locator("tbody tr");
        await Assertions.Expect(attempts).ToHaveCountAsync(3);
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Compare attempt 1" }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Compare attempt 2" }).CheckAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("compare=1(%2C|,)2"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Attempt 1 against attempt 2" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Error", Exact = true }).ClickAsync();
        var compare = page.GetByRole(AriaRole.Region, new() { Name = "Attempt 1 against attempt 2" });
        await Assertions.Expect(compare).ToContainTextAsync("GATEWAY_TIMEOUT");
        await Assertions.Expect(compare).ToContainTextAsync("CARD_ISSUER_UNAVAILABLE");
        await page.ScreenshotAsync("run-compare-attempts");

        // The OCR output was over the snapshot limit: the viewer says so instead of showing half a document as whole.
        await page.TimelineRow("Extract text (OCR)").ClickAsync();
        await Assertions.Expect(page.GetByLabel("Step details").GetByRole(AriaRole.Heading, new() { Name = "Extract text (OCR)" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Tab, new() { Name = "Output", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("tab=output"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByText(new Regex("Truncated by the runs service: showing the first"))).ToBeVisibleAsync();
        await page.ScreenshotAsync("run-truncated-output");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task LoopIteration_CanBeOpened_AndADeepLinkOpensExactlyThere()
    {
        var syncRun = await fixture.RunOfAsync("warehouse-sync", "completed");
        var invoiceRun = await fixture.RunOfAsync("invoice-approval", "completed");
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{syncRun}");
        await page.WaitForInteractiveAsync();

        await page.TimelineRow("Sync table").ClickAsync();
        await page.TimelineRow("iteration 3 of sync-table").ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("loop=3"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByLabel("Step details")).ToContainTextAsync("iteration 3");
        await Assertions.Expect(page.GetByRole(AriaRole.Listbox, new() { Name = "Loop iterations" })).ToBeVisibleAsync();
        await page.ScreenshotAsync("run-loop-iteration");

        await page.GotoAsync($"/runs/{invoiceRun}?step=charge-card&attempt=1&tab=error");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Group, new() { Name = "Error" })).ToContainTextAsync("Payment gateway did not answer within 10 s");
        await page.ScreenshotAsync("run-deep-link");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task BigRun_ShowsItsFirstStepsAtOnce_ThenEveryStep_AndRollupsOfTheWhole()
    {
        // 600 steps, every 50th retried once: 612 attempts, more than the page asks for first (200).
        const int Steps = 600;
        var runId = $"big-{Guid.NewGuid():N}";
        var second = 0;
        string Ts() => new DateTimeOffset(2026, 11, 23, 6, 0, 0, TimeSpan.Zero).AddSeconds(second++).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var events = new List<string> { $$"""{"type":"run_started","timestamp":"{{Ts()}}","workflowId":"wf-big","workflowName":"Six hundred steps"}""" };
        for (var i = 0; i < Steps; i++)
        {
            events.Add($$"""{"type":"step_started","timestamp":"{{Ts()}}","stepId":"step-{{i}}","stepName":"Step {{i}}"}""");
            if (i % 50 == 0)
            {
                events.Add($$"""{"type":"step_failed","timestamp":"{{Ts()}}","stepId":"step-{{i}}","error":"flaky","willRetry":true}""");
                events.Add($$"""{"type":"step_started","timestamp":"{{Ts()}}","stepId":"step-{{i}}","attempt":2}""");
            }
            events.Add($$$"""{"type":"step_completed","timestamp":"{{{Ts()}}}","stepId":"step-{{{i}}}","costUsd":"0.001","tokens":{"prompt":10,"completion":5}}""");
        }
        events.Add($$"""{"type":"run_completed","timestamp":"{{Ts()}}"}""");
        using (var http = new HttpClient { BaseAddress = fixture.App.BaseAddress })
        {
            foreach (var chunk in events.Chunk(500))
            {
                var response = await http.PostAsync($"api/runs/{runId}/events", new StringContent("[" + string.Join(',', chunk) + "]", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            }
        }

        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync($"/runs/{runId}");
        await page.WaitForInteractiveAsync();

        // Once the rest is read: every attempt counted, the rollups of the whole run (600 steps x 0.001), every step listed.
        await Assertions.Expect(page.GetByText("612 attempts of 600 steps shown")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("rollup-cost")).ToHaveTextAsync("$0.60");
        var rollups = page.Locator("[aria-label='Cost and tokens']");
        await Assertions.Expect(rollups).ToContainTextAsync("612");
        await Assertions.Expect(rollups).ToContainTextAsync("12 retries");
        var timeline = page.GetByRole(AriaRole.Listbox, new() { Name = "Step timeline" });
        await timeline.First.FocusAsync();
        await page.Keyboard.PressAsync("End");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("step=step-599"), new() { Timeout = 10_000 });
        await Assertions.Expect(page.GetByLabel("Step details").GetByRole(AriaRole.Heading, new() { Name = "Step 599" })).ToBeVisibleAsync();

        // A link to a step beyond the first page: that step first, then the rest (which waits for it) all the same.
        await page.GotoAsync($"/runs/{runId}?step=step-451");
        await Assertions.Expect(page.GetByLabel("Step details").GetByRole(AriaRole.Heading, new() { Name = "Step 451" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("612 attempts of 600 steps shown")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Option, new() { NameRegex = new Regex(@"^Step 451\b") })).ToHaveAttributeAsync("aria-selected", "true");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task UnknownRun_ShowsANotFoundPage()
    {
        var (context, page, _) = await fixture.NewPageAsync();
        await using var __ = context;
        await page.GotoAsync("/runs/no-such-run-anywhere");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByText("Run not found")).ToBeVisibleAsync();
    }
}
