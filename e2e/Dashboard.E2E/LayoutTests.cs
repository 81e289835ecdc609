using Microsoft.Playwright;

namespace Dashboard.E2E;

/// <summary>
/// Every page at a laptop's widths and the embed at an iframe's: the page never scrolls sideways, no table is wider than
/// the box that holds it, a list row is at most two lines, and the sample's workflow names are not cut short in it.
/// </summary>
public sealed class LayoutTests(SampleWorkloadFixture fixture) : IClassFixture<SampleWorkloadFixture>
{
    private const string Measure = """
        () => {
          const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
          const wider = [...document.querySelectorAll('table')].filter(t => {
            const box = t.parentElement.closest('.mud-table-container, .table-scroll, .mud-paper, main, body');
            return t.getBoundingClientRect().right > box.getBoundingClientRect().right + 1;
          });
          const name = t => t.closest('[aria-label]')?.getAttribute('aria-label') ?? t.className;
          const wide = wider.map(name);
          const lineHeight = 20;
          const tall = [...document.querySelectorAll('.runs-table tbody tr')].filter(r => r.getBoundingClientRect().height > 2 * lineHeight + 24).length;
          // A workflow's name is read whole in the list (two lines at most), not cut short.
          const cut = [...document.querySelectorAll('.runs-table td.col-workflow > span')]
            .filter(n => n.getClientRects().length > 0 && (n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1))
            .map(n => n.textContent);
          // Nor, in a failure group, the workflow and step it failed in.
          cut.push(...[...document.querySelectorAll('.groups .where .workflow, .groups .where .step')]
            .filter(n => n.getClientRects().length > 0 && n.scrollWidth > n.clientWidth + 1)
            .map(n => n.textContent));
          // Nor its age and its "new" mark, which beside each other ran into the next column in 800 px.
          cut.push(...[...document.querySelectorAll('.groups td.when')]
            .filter(td => td.getClientRects().length > 0 && td.scrollWidth > td.clientWidth + 1)
            .map(td => 'since ' + td.textContent));
          // And at a laptop's width, its message (the sample's are 60-90 characters) in the two lines it has.
          if (window.innerWidth >= 1280) {
            cut.push(...[...document.querySelectorAll('.groups .message')]
              .filter(n => n.getClientRects().length > 0 && (n.scrollHeight > n.clientHeight + 1 || n.scrollWidth > n.clientWidth + 1))
              .map(n => 'the message ' + n.textContent));
          }
          // In the list, at a laptop's width, a failed run's error has room for some words (about 206 px once).
          if (window.innerWidth >= 1280) {
            cut.push(...[...document.querySelectorAll('.runs-table tbody td.col-error')].filter(td => td.getClientRects().length > 0 && td.clientWidth < 260)
              .slice(0, 1).map(td => `an error column ${td.clientWidth} px wide`));
          }
          // A card's title is on one line.
          const titles = [...document.querySelectorAll('.mud-main-content h2')]
            .filter(h => h.getBoundingClientRect().height >= 1.5 * parseFloat(getComputedStyle(h).lineHeight))
            .map(h => h.textContent);
          // Each change of the live feed can be opened without scrolling sideways.
          const unreachable = [...document.querySelectorAll('[aria-label="Run changes"] tbody a')]
            .filter(a => a.closest('td').getBoundingClientRect().right > document.documentElement.clientWidth).map(a => a.textContent);
          // A run id cut short keeps its end, which tells one run of a workflow from the next, in the list and the feed.
          cut.push(...[...document.querySelectorAll('.runs-table .id-tail, [aria-label="Run changes"] .id-tail')].filter(t => {
            const tail = t.getBoundingClientRect(), cell = t.closest('td').getBoundingClientRect();
            return t.getClientRects().length > 0 && (tail.width < 1 || tail.right > cell.right + 1);
          }).map(t => 'the end of ' + t.closest('a').title));
          // Its event is read whole: in 800 px, step_completed and run_cancelled were cut to step_com… and run_canc….
          cut.push(...[...document.querySelectorAll('[aria-label="Run changes"] tbody .event-name')]
            .filter(n => n.getClientRects().length > 0 && (n.scrollWidth > n.clientWidth + 1 || n.scrollHeight > n.clientHeight + 1))
            .map(n => 'the event ' + n.textContent));
          // And its time does not run into its event.
          const crowded = [...document.querySelectorAll('[aria-label="Run changes"] tbody td:first-child')]
            .filter(td => td.scrollWidth > td.clientWidth + 1).map(td => td.textContent);
          cut.push(...crowded);
          // A change's error is what the row is read for: a column of it too narrow for a few words is cut to nothing.
          cut.push(...[...document.querySelectorAll('[aria-label="Run changes"] tbody td:last-child')].filter(td => td.clientWidth < 150)
            .slice(0, 1).map(td => `an error column ${td.clientWidth} px wide`));
          cut.push(...unreachable);
          // In a comparison, each side's status and time read on one line, and its column has room for a few words of
          // its error (in 800 px a side was 130 px wide, its error ten lines tall).
          cut.push(...[...document.querySelectorAll('.compare-table .side-status')]
            .filter(n => n.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(n.closest('td')).lineHeight))
            .map(n => 'the side ' + n.textContent));
          cut.push(...[...document.querySelectorAll('.compare-table td.side')].filter(td => td.clientWidth < 160)
            .slice(0, 1).map(td => `a side column ${td.clientWidth} px wide`));
          // Nor is a status chip.
          const chips = [...document.querySelectorAll('.runs-table td.col-status')]
            .filter(c => c.getClientRects().length > 0 && [...c.querySelectorAll('.mud-chip')].some(chip => chip.scrollWidth > chip.clientWidth + 1 || chip.getBoundingClientRect().right > c.getBoundingClientRect().right))
            .length;
          // Each run of the list says its workflow: in its column, or over the run's id where the column is dropped.
          const unnamed = [...document.querySelectorAll('.runs-table tbody tr')]
            .filter(r => ![...r.querySelectorAll('td.col-workflow > span, .run-workflow')].some(n => n.getClientRects().length > 0 && n.textContent.trim() !== ''))
            .map(r => r.querySelector('a')?.title ?? '?');
          return { overflow, wide, tall, cut, titles, chips, unnamed, tails: document.querySelectorAll('.runs-table .id-tail, [aria-label="Run changes"] .id-tail').length };
        }
        """;

    private sealed class Layout
    {
        public int Overflow { get; set; }
        public string[] Wide { get; set; } = [];
        public int Tall { get; set; }
        public string[] Cut { get; set; } = [];
        public string[] Titles { get; set; } = [];
        public int Chips { get; set; }
        public string[] Unnamed { get; set; } = [];
        public int Tails { get; set; }
    }

    public static TheoryData<string, int> PagesAndWidths()
    {
        var data = new TheoryData<string, int>();
        foreach (var page in (string[])["overview", "list", "run", "live"])
        {
            foreach (var width in (int[])[1280, 1440, 1920])
            {
                data.Add(page, width);
            }
        }
        data.Add("embed", 800);
        // An admin portal's frame listing one workflow's runs.
        data.Add("embed-workflow", 800);
        data.Add("list", 800);
        // One failure group's runs, its chip naming the group.
        data.Add("failure-list", 800);
        data.Add("failure-list", 1280);
        data.Add("overview", 800);
        // One workflow's overview, with its step health table.
        data.Add("overview-workflow", 800);
        data.Add("overview-workflow", 1280);
        data.Add("live", 800);
        // A failed run beside a good one of its workflow.
        data.Add("compare", 800);
        data.Add("compare", 1280);
        data.Add("compare", 1440);
        data.Add("compare", 1920);
        // An agent's run: its cost tables by model and by step, side by side only where both fit.
        data.Add("agent-run", 800);
        data.Add("agent-run", 1280);
        data.Add("agent-run", 1440);
        data.Add("agent-run", 1920);
        return data;
    }

    [Theory]
    [MemberData(nameof(PagesAndWidths))]
    public async Task NothingOverflows_AndListRowsStayShort(string name, int width)
    {
        var failedRun = await fixture.RunOfAsync("refund-request", "failed");
        var (context, page, _) = await fixture.NewPageAsync();
        await using var __ = context;
        await page.SetViewportSizeAsync(width, width == 800 ? 600 : 900);
        var runPath = "runs/" + Uri.EscapeDataString(failedRun);
        var agentRun = name == "agent-run" ? await fixture.RunOfAsync("support-triage", "completed") : null;
        var goodRun = name == "compare" ? await fixture.RunOfAsync("refund-request", "completed") : null;
        var group = name == "failure-list" ? await fixture.FailureGroupOfAsync("refund-request", "REFUND_WINDOW_CLOSED") : null;
        var (url, ready) = name switch
        {
            "overview" => ("", page.GetByRole(AriaRole.Region, new() { Name = "Failure groups" })),
            "overview-workflow" => ("?workflow=support-triage", page.GetByRole(AriaRole.Region, new() { Name = "Step health" }).Locator("tbody tr").First),
            "list" => ("runs", page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).Locator("tbody tr").First),
            "failure-list" => ($"runs?failure={group}&status=failed,timeout&workflow=refund-request&range=24h", page.GetByTestId("failure-filter").GetByText("REFUND_WINDOW_CLOSED")),
            "run" => ($"{runPath}?step=issue-refund", page.GetByRole(AriaRole.Region, new() { Name = "Attempts" })),
            "live" => ("live", page.GetByRole(AriaRole.Log, new() { Name = "Run changes" }).Locator("tbody tr").First),
            "agent-run" => ($"runs/{Uri.EscapeDataString(agentRun!)}", page.Locator("[title='Cost by model']")),
            "embed-workflow" => ("embed/workflows/refund-request", page.GetByRole(AriaRole.Region, new() { Name = "Executions list" }).Locator("tbody tr").First),
            "compare" => ($"{runPath}/compare/{Uri.EscapeDataString(goodRun!)}", page.Locator(".compare-table .side-error").First),
            _ => ($"embed/{runPath}?step=issue-refund", page.GetByRole(AriaRole.Region, new() { Name = "Attempts" })),
        };

        await page.GotoAsync(url);
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(ready).ToBeVisibleAsync(new() { Timeout = 20_000 });
        var layout = await page.EvaluateAsync<Layout>(Measure);
        await page.ScreenshotAsync($"layout-{name}-{width}");

        Assert.True(layout.Overflow <= 0, $"{name} at {width} px scrolls sideways by {layout.Overflow} px.");
        // Every table fits its card, in 800 px too (the overview's health and cost tables once scrolled inside theirs,
        // their last column out of sight).
        Assert.Empty(layout.Wide);
        Assert.Equal(0, layout.Tall);
        Assert.Empty(layout.Cut);
        Assert.Empty(layout.Titles);
        Assert.Equal(0, layout.Chips);
        if (name == "embed-workflow")
        {
            // A frame of one workflow's runs names it once, in its heading, not on every row.
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Refund request");
        }
        else
        {
            Assert.Empty(layout.Unnamed);
        }
        if (name == "overview")
        {
            Assert.True(await page.Locator(".groups .message").CountAsync() > 0, "no failure group to read");
        }
        if (name == "live")
        {
            Assert.True(await page.Locator("[aria-label='Run changes'] tbody .event-name").CountAsync() > 0, "no change names its event");
        }
        if (name == "compare")
        {
            Assert.True(await page.Locator(".compare-table .side-status").CountAsync() > 0, "no side of a step says its status");
        }
        if (name == "failure-list")
        {
            // The chip is one line, inside the filters' row, whatever its message's length.
            var chip = await page.GetByTestId("failure-filter").BoundingBoxAsync();
            var filters = await page.Locator(".filters").First.BoundingBoxAsync();
            Assert.True(chip!.Height < 40 && chip.X + chip.Width <= filters!.X + filters.Width + 1, $"the failure chip is {chip.Width}x{chip.Height} at {chip.X}");
        }
        if (name is "list" or "live" or "embed-workflow" or "failure-list")
        {
            Assert.True(layout.Tails > 0, "no run id keeps its end apart");
        }
    }
    [Theory]
    [InlineData(1280)]
    [InlineData(1440)]
    [InlineData(1920)]
    public async Task TheListsFilters_WithTheModelPicker_TakeTwoRowsAtMost(int width)
    {
        var (context, page, _) = await fixture.NewPageAsync();
        await using var __ = context;
        await page.SetViewportSizeAsync(width, 900);
        // The longest of the started choices, which must still read whole, and a chosen workflow (its name in the box).
        await fixture.RunOfAsync("refund-request", "completed");
        await page.GotoAsync("runs?range=15m&workflow=refund-request");
        await page.WaitForInteractiveAsync();
        await Assertions.Expect(page.GetByLabel("Workflow", new() { Exact = true })).ToHaveValueAsync("Refund request");
        // The sample's agents name their models: the picker is there once the list's facets are read.
        var filters = page.GetByRole(AriaRole.Search, new() { Name = "Filter executions" });
        await Assertions.Expect(filters.Locator(".mud-input-control.mud-select").Filter(new() { HasText = "Any model" })).ToBeVisibleAsync(new() { Timeout = 20_000 });

        // Rows are told apart by their fields' middles (chips and fields of a row share a band); the clear-filters button
        // that a filter brings may take a short row of its own.
        var tops = await filters.EvaluateAsync<double[]>("""
            f => [...f.children].filter(c => c.tagName !== 'BUTTON' && c.getClientRects().length > 0).map(c => c.getBoundingClientRect())
              .map(r => r.top + r.height / 2)
            """);
        var rows = new List<double>();
        foreach (var middle in tops.Order())
        {
            if (rows.Count == 0 || middle - rows[^1] > 20)
            {
                rows.Add(middle);
            }
        }
        // A text field's value, and a select's chosen text (its own box, cut with an ellipsis: "Last 15 m…" at 1280 px).
        var cut = await filters.EvaluateAsync<string[]>("""
            f => [...f.querySelectorAll('input')].filter(i => i.getClientRects().length > 0 && i.value && i.scrollWidth > i.clientWidth + 1).map(i => i.value)
              .concat([...f.querySelectorAll('[role=combobox].mud-select-input')]
                .filter(c => c.getClientRects().length > 0 && c.textContent.trim() && c.scrollWidth > c.clientWidth).map(c => c.textContent.trim()))
            """);
        // Under 1,350 px the payloads chip says less for the workflow's room; wider, all of it, words apart.
        // As rendered: its words are flex items, each on a line of innerText, and a space that starts one is dropped.
        var chip = (await filters.GetByRole(AriaRole.Button, new() { Name = "in payloads and logs" }).InnerTextAsync()).Replace("\n", "").Replace('\u00A0', ' ').Trim();
        await page.ScreenshotAsync($"layout-list-filters-{width}");
        Assert.True(rows.Count <= 2, $"The filters take {rows.Count} rows at {width} px.");
        Assert.Empty(cut);
        Assert.Equal(width < 1350 ? "in payloads" : "in payloads and logs", chip);
    }
}
