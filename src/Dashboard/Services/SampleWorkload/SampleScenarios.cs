using System.Diagnostics;
using Dashboard.Client;
using Dashboard.Model.Runs;

namespace Dashboard.Services.SampleWorkload;

/// <summary>
/// The sample workflows. Each reports one run (and maybe a child) through <see cref="RunReporter"/>, the way a real
/// engine would, covering what the dashboard must show: retries, loops, skips, LLM usage and cost, large and nested
/// payloads, failures with stacks, waiting for a person, cancellation, time-outs, parent and child runs.
/// </summary>
internal sealed class SampleScenarios(IRunsClient client, ScenarioPace pace, Random random, SampleControl? control = null, SampleTracer? tracer = null)
{
    /// <summary>The runs of the scenario this async flow is running, held for the control stream (live runs only).</summary>
    private sealed class Flow
    {
        public List<string> RunIds { get; } = [];
    }

    private static readonly AsyncLocal<Flow?> CurrentFlow = new();

    private static readonly string[] Customers = ["Acme Logistics", "Nordwind GmbH", "Blue Harbor Clinics", "Kestrel Analytics", "Sunrise Bakeries", "Orbit Telecom"];
    private static readonly string[] Tables = ["customers", "orders", "order_lines", "invoices", "payments", "refunds", "products", "inventory", "suppliers", "shipments", "returns", "tickets"];

    public IReadOnlyList<Func<CancellationToken, Task<string>>> All =>
        ((Func<CancellationToken, Task<string>>[])
        [
            SupportTriageAsync, InvoiceApprovalAsync, NightlySyncAsync, RefundRequestAsync,
            ContractReviewAsync, QuarterlyReportAsync, CompetitorScrapeAsync, CustomerOnboardingAsync, ResearchAgentAsync,
        ]).Where(scenario => tracer is not null || scenario != ResearchAgentAsync).Select(scenario => control is null ? scenario : ct => ControlledAsync(scenario, ct)).ToList();

    /// <summary>
    /// A live scenario under the control stream: its runs are held while it reports them; a cancel request stops it where
    /// it waits, and the run is reported cancelled with the request's id (a run started with it, stopped with it).
    /// </summary>
    private async Task<string> ControlledAsync(Func<CancellationToken, Task<string>> scenario, CancellationToken ct)
    {
        var flow = CurrentFlow.Value = new Flow();
        try
        {
            return await scenario(ct);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var cancelled = flow.RunIds.Select(id => (Id: id, Request: control!.Hold(id).CancelRequest)).ToList();
            var asked = cancelled.FirstOrDefault(c => c.Request is not null);
            foreach (var (id, request) in cancelled)
            {
                await using var run = new RunReporter(client, id);
                run.CancelRun(request is not null ? SampleControl.CancelReason(request) : $"Stopped with {asked.Id}", request?.RequestId);
                try
                {
                    await run.FlushAsync(ct);
                }
                catch (Client.Errors.RunsClientException)
                {
                    // This one had already ended.
                }
            }
            return asked.Id ?? flow.RunIds.FirstOrDefault() ?? "";
        }
        finally
        {
            foreach (var id in flow.RunIds)
            {
                control!.Release(id);
            }
        }
    }

    // Shared by every instance (the history makes one per simulated run): which refund request this is.
    private static int _refunds;

    private string NewRunId(string prefix) => $"{prefix}-{pace.GetUtcNow():yyyyMMdd-HHmmss}-{random.Next(0x10000):x4}";

    private RunReporter Reporter(string runId)
    {
        if (control is not null && CurrentFlow.Value is { } flow)
        {
            control.Hold(runId);
            flow.RunIds.Add(runId);
        }
        return new(client, runId, new RunReporterOptions { BatchSize = 50, FlushInterval = TimeSpan.FromMilliseconds(150) }, pace);
    }

    private async Task Work(int minMs, int maxMs, CancellationToken ct)
    {
        using var stop = Stoppable(ct);
        await pace.PauseAsync(TimeSpan.FromMilliseconds(random.Next(minMs, maxMs)), stop.Token);
    }

    // Stopped by the host, or by a cancel request for one of the flow's runs.
    private CancellationTokenSource Stoppable(CancellationToken ct) =>
        CurrentFlow.Value is { RunIds.Count: > 0 } flow && control is not null
            ? CancellationTokenSource.CreateLinkedTokenSource([ct, .. flow.RunIds.Select(id => control.Hold(id).Stop.Token)])
            : CancellationTokenSource.CreateLinkedTokenSource(ct);

    /// <summary>
    /// A person's approval: live, the first resume request for the run (its input given to the step), or, when nobody
    /// answers within 45 s, an approval on the person's behalf so the sample keeps moving; in the history, a pause.
    /// </summary>
    private async Task<Dashboard.Model.Control.ControlRequest?> WaitForApprovalAsync(string runId, CancellationToken ct)
    {
        if (control is null)
        {
            await Work(4_000, 9_000, ct);
            return null;
        }
        using var stop = Stoppable(ct);
        try
        {
            return await control.Hold(runId).Resumed.Task.WaitAsync(TimeSpan.FromSeconds(45), stop.Token);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private (TokenBreakdown Tokens, decimal Cost) Llm(string model, int prompt, int completion, double cachedShare = 0)
    {
        var tokens = new TokenBreakdown { Prompt = prompt, Cached = (long)(prompt * cachedShare), Completion = completion, Total = prompt + completion };
        return (tokens, LlmPricing.Cost(model, tokens));
    }

    /// <summary>An AI agent: classify with a cached system prompt, retrieve articles in a loop, draft a reply.</summary>
    public async Task<string> SupportTriageAsync(CancellationToken ct)
    {
        var runId = NewRunId("support-triage");
        await using var run = Reporter(runId);
        var customer = Customers[random.Next(Customers.Length)];
        var ticket = random.Next(40_000, 49_999);
        run.StartRun("support-triage", "Support ticket triage", "event", eventName: "ticket.created", stepCount: 4,
            input: new { ticketId = ticket, customer, subject = "Invoice total does not match the quote", channel = "email" });

        // The model calls' inputs are the chat requests they sent, as an OpenAI client records them.
        run.StartStep("classify", new
        {
            model = "gpt-4o-mini",
            messages = new object[]
            {
                new { role = "system", content = "Classify the support ticket as billing, technical, sales or other. Answer with JSON: label, confidence, rationale." },
                new { role = "user", content = $"Ticket #{ticket} from {customer} (email)\nSubject: Invoice total does not match the quote" },
            },
        }, stepName: "Classify ticket", operation: "llm.chat");
        await Work(600, 1400, ct);
        var (tokens, cost) = Llm("gpt-4o-mini", 1_850, 42, cachedShare: 0.8);
        run.CompleteStep("classify", new { label = "billing", confidence = 0.94, rationale = "Mentions invoice and quote amounts." }, model: "gpt-4o-mini", tokens: tokens, costUsd: cost);

        var articles = new[] { "KB-112 Quote vs. invoice differences", "KB-087 Applying discounts after signature", "KB-204 Correcting an issued invoice" };
        for (var i = 0; i < articles.Length; i++)
        {
            run.StartStep("retrieve-article", new { query = "invoice quote mismatch", rank = i + 1 }, loopIndex: i, stepName: "Retrieve article", operation: "vector.search");
            await Work(150, 400, ct);
            var (embedTokens, embedCost) = Llm("text-embedding-3-small", 24, 0);
            run.CompleteStep("retrieve-article", new { id = articles[i][..6], title = articles[i][7..], score = Math.Round(0.91 - i * 0.07, 2) },
                loopIndex: i, model: "text-embedding-3-small", tokens: embedTokens, costUsd: embedCost);
        }

        run.StartStep("draft-reply", new
        {
            model = "gpt-4o",
            messages = new object[]
            {
                new { role = "system", content = "You write friendly, short replies for billing support, in the customer's language. Cite the articles you use." },
                new { role = "user", content = $"Ticket #{ticket} from {customer}: the invoice total does not match the quote." },
                new
                {
                    role = "assistant",
                    content = (string?)null,
                    tool_calls = new[] { new { id = $"call_{ticket}", type = "function", function = new { name = "search_knowledge_base", arguments = "{\"query\":\"invoice quote mismatch\",\"limit\":3}" } } },
                },
                new { role = "tool", tool_call_id = $"call_{ticket}", content = string.Join("\n", articles) },
            },
        }, stepName: "Draft reply", operation: "llm.chat");
        await Work(1200, 2500, ct);
        var (draftTokens, draftCost) = Llm("gpt-4o", 3_400, 410, cachedShare: 0.45);
        run.CompleteStep("draft-reply", new
        {
            subject = $"Re: Invoice total does not match the quote (#{ticket})",
            body = $"Hello {customer} team,\n\nThanks for flagging this. The difference comes from the volume discount that was agreed after the quote was signed. We have issued a corrected invoice.\n\nBest regards,\nBilling support",
            citations = new[] { new { article = "KB-112", paragraph = 3 }, new { article = "KB-204", paragraph = 1 } },
        }, model: "gpt-4o", tokens: draftTokens, costUsd: draftCost, mappedOutput: new { Reply = "sent to queue", Citations = 2 });

        run.StartStep("send-reply", new { queue = "billing-outbound" }, stepName: "Queue reply", operation: "email.send");
        await Work(100, 300, ct);
        run.CompleteStep("send-reply", new { messageId = $"<{Guid.NewGuid():N}@support.example>" });
        run.CompleteRun(new { ticketId = ticket, status = "answered", label = "billing" });
        return runId;
    }

    /// <summary>A card charge that fails twice before it succeeds, after OCR of a large document (stored truncated).</summary>
    public async Task<string> InvoiceApprovalAsync(CancellationToken ct)
    {
        var runId = NewRunId("invoice-approval");
        await using var run = Reporter(runId);
        var invoice = $"INV-2026-{random.Next(10_000, 99_999)}";
        run.StartRun("invoice-approval", "Invoice approval", "api", input: new { invoice, supplier = Customers[random.Next(Customers.Length)], currency = "EUR" }, stepCount: 3,
            metadata: new { region = "eu-west", requestedBy = "ap-clerk@example.com" });

        run.StartStep("extract", new { file = $"s3://invoices/{invoice}.pdf", pages = 14 }, stepName: "Extract text (OCR)", operation: "ocr.extract");
        await Work(800, 1600, ct);
        var lines = Enumerable.Range(1, 4_000).Select(i => new { line = i, sku = $"SKU-{i:00000}", description = $"Consulting hours, sprint {i % 26 + 1}", quantity = 1 + i % 7, unitPrice = 95.0 + i % 40 });
        run.CompleteStep("extract", new { invoice, total = 48_220.75, lines }, mappedOutput: new { Invoice = invoice, Total = "48,220.75 EUR", Lines = 4_000 });

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            run.StartStep("charge-card", new { amount = 48_220.75, currency = "EUR", idempotencyKey = $"{invoice}-charge" }, attempt: attempt, stepName: "Charge corporate card", operation: "payments.charge");
            run.Log("debug", $"POST /v1/charges (attempt {attempt})", "charge-card", attempt, fields: new { gateway = "adyen", timeoutMs = 10_000 });
            await Work(300, 700, ct);
            if (attempt < 3)
            {
                run.Log("warn", attempt == 1 ? "gateway timed out after 10 s; retrying in 2 s" : "issuer answered 503; retrying in 4 s", "charge-card", attempt);
                run.FailStep("charge-card", new ErrorInfo
                {
                    Code = attempt == 1 ? "GATEWAY_TIMEOUT" : "CARD_ISSUER_UNAVAILABLE",
                    Message = attempt == 1 ? "Payment gateway did not answer within 10 s" : "Issuer returned 503 Service Unavailable",
                    Type = "PaymentProviderException",
                    Stack = "   at Payments.Gateway.ChargeAsync(ChargeRequest request)\n   at Workflows.InvoiceApproval.ChargeStep.RunAsync(StepContext context)",
                }, attempt: attempt, willRetry: true);
                await Work(200, 500, ct);
            }
            else
            {
                run.Log("info", "charge captured", "charge-card", attempt, fields: new { amount = 48_220.75, currency = "EUR" });
                run.CompleteStep("charge-card", new { chargeId = $"ch_{Guid.NewGuid():N}"[..20], status = "succeeded" }, attempt: attempt);
            }
        }
        run.StartStep("notify-finance", new { channel = "#finance-approvals" }, stepName: "Notify finance", operation: "slack.post");
        await Work(100, 250, ct);
        run.CompleteStep("notify-finance", new { ok = true });
        run.CompleteRun(new { invoice, approved = true });
        return runId;
    }

    /// <summary>A scheduled sync over many tables: a long loop with one table skipped.</summary>
    public async Task<string> NightlySyncAsync(CancellationToken ct)
    {
        var runId = NewRunId("nightly-sync");
        await using var run = Reporter(runId);
        run.StartRun("warehouse-sync", "Nightly warehouse sync", "schedule", input: new { source = "postgres://erp", target = "warehouse.analytics", since = pace.GetUtcNow().AddDays(-1) });
        for (var i = 0; i < Tables.Length; i++)
        {
            if (Tables[i] == "returns")
            {
                run.SkipStep("sync-table", "No changes since the last sync", loopIndex: i, stepName: "Sync table");
                continue;
            }
            run.StartStep("sync-table", new { table = Tables[i], mode = "incremental" }, loopIndex: i, stepName: "Sync table", operation: "sql.copy");
            run.Log("info", $"copying {Tables[i]} since the last watermark", "sync-table", loopIndex: i);
            await Work(80, 350, ct);
            run.CompleteStep("sync-table", new { table = Tables[i], rowsCopied = random.Next(200, 90_000), bytes = random.Next(10_000, 9_000_000) }, loopIndex: i);
        }
        run.StartStep("refresh-views", new { views = new[] { "daily_revenue", "churn_cohorts" } }, stepName: "Refresh materialized views", operation: "sql.exec");
        await Work(300, 800, ct);
        run.CompleteStep("refresh-views", new { refreshed = 2 });
        run.CompleteRun(new { tables = Tables.Length, skipped = 1 });
        return runId;
    }

    /// <summary>
    /// A refund. Two in three fail: the refund step errors with code, type, stack and data, and is not retried; the third
    /// completes with the refund's id.
    /// </summary>
    public async Task<string> RefundRequestAsync(CancellationToken ct)
    {
        var runId = NewRunId("refund-request");
        await using var run = Reporter(runId);
        var order = $"ORD-{random.Next(100_000, 999_999)}";
        // Two refunds in three come too late (the same failure again and again, as a failure group does); the one between
        // them goes through: a failure then has a successful run of its workflow to be compared with.
        var late = Interlocked.Increment(ref _refunds) % 3 != 2;
        var capturedDaysAgo = late ? 97 : 12;
        run.StartRun("refund-request", "Refund request", "api", input: new { order, amount = 129.00, reason = "Item arrived damaged" });
        run.StartStep("check-eligibility", new { order }, stepName: "Check eligibility", operation: "policy.evaluate");
        await Work(200, 500, ct);
        run.CompleteStep("check-eligibility", new { order, eligible = true, policy = "damaged-on-arrival", capturedDaysAgo });
        run.StartStep("issue-refund", new { order, amount = 129.00, method = "original-payment" }, stepName: "Issue refund", operation: "payments.refund");
        run.Log("info", $"refunding {order} to the original payment method", "issue-refund", 1, fields: new { processor = "stripe", amount = 129.00 });
        await Work(300, 800, ct);
        if (!late)
        {
            var refundId = $"re_{random.Next(100_000_000, 999_999_999)}";
            run.Log("info", $"refund {refundId} of {order} accepted by the processor", "issue-refund", 1);
            run.CompleteStep("issue-refund", new { refundId, order, amount = 129.00, status = "succeeded" });
            run.CompleteRun(new { order, refundId });
            return runId;
        }
        var error = new ErrorInfo
        {
            Code = "REFUND_WINDOW_CLOSED",
            Message = $"Order {order} was captured 97 days ago; the processor allows refunds for 90 days.",
            Type = "Payments.RefundRejectedException",
            Stack = "Payments.RefundRejectedException: refund window closed\n   at Payments.Processor.RefundAsync(RefundRequest request) in Processor.cs:line 212\n   at Workflows.Refunds.IssueRefundStep.RunAsync(StepContext context) in IssueRefundStep.cs:line 48",
            Data = System.Text.Json.JsonSerializer.SerializeToElement(new { processor = "stripe", capturedAt = pace.GetUtcNow().AddDays(-97), limitDays = 90 }),
        };
        run.Log("error", $"processor refused the refund of {order}: window closed (captured 97 days ago, limit 90)", "issue-refund", 1);
        run.FailStep("issue-refund", error, willRetry: false);
        run.FailRun(error with { Stack = null, Data = null });
        return runId;
    }

    /// <summary>Waits for a person to approve, then goes on.</summary>
    public async Task<string> ContractReviewAsync(CancellationToken ct)
    {
        var runId = NewRunId("contract-review");
        await using var run = Reporter(runId);
        run.StartRun("contract-review", "Contract review", "api", input: new { contract = "MSA-Kestrel-2026.pdf", counterparty = "Kestrel Analytics" });
        run.StartStep("summarize", new { pages = 38 }, stepName: "Summarize clauses", operation: "llm.chat");
        await Work(900, 1800, ct);
        var (tokens, cost) = Llm("claude-3-5-haiku", 21_000, 900, cachedShare: 0.1);
        run.CompleteStep("summarize", new { riskyClauses = new[] { "12.3 Unlimited liability", "18.1 Auto-renewal (36 months)" } }, model: "claude-3-5-haiku", tokens: tokens, costUsd: cost);
        run.StartStep("legal-approval", new { assignee = "legal@example.com" }, stepName: "Legal approval", operation: "human.approve");
        run.WaitForInput("Waiting for legal to approve two risky clauses", "legal-approval");
        await run.FlushAsync(ct);
        var approval = await WaitForApprovalAsync(runId, ct);
        run.Resume(approval?.RequestId);
        run.CompleteStep("legal-approval", approval is { Input: { } given } ? (object)given
            : new { approvedBy = approval?.RequestedBy ?? "m.keller@example.com", comment = "Cap liability at 12 months of fees." });
        run.CompleteRun(new { signed = true });
        return runId;
    }

    /// <summary>Cancelled by an operator while a step runs.</summary>
    public async Task<string> QuarterlyReportAsync(CancellationToken ct)
    {
        var runId = NewRunId("quarterly-report");
        await using var run = Reporter(runId);
        run.StartRun("quarterly-report", "Quarterly report", "job", input: new { quarter = "2026-Q3" });
        run.StartStep("collect-metrics", new { sources = 6 }, stepName: "Collect metrics", operation: "http.fetch");
        await Work(400, 900, ct);
        run.CompleteStep("collect-metrics", new { metrics = 214 });
        run.StartStep("render-pdf", new { template = "board-deck-v7" }, stepName: "Render PDF", operation: "pdf.render");
        await Work(500, 1200, ct);
        run.CancelRun("Cancelled by j.ortiz@example.com: wrong quarter selected");
        return runId;
    }

    /// <summary>Runs past its time limit while a scraper hangs.</summary>
    public async Task<string> CompetitorScrapeAsync(CancellationToken ct)
    {
        var runId = NewRunId("competitor-scrape");
        await using var run = Reporter(runId);
        run.StartRun("competitor-scrape", "Competitor price scrape", "schedule", input: new { sites = 3, maxDurationSeconds = 5 });
        for (var i = 0; i < 2; i++)
        {
            run.StartStep("scrape-site", new { site = $"https://shop{i + 1}.example.com/pricing" }, loopIndex: i, stepName: "Scrape site", operation: "http.fetch");
            await Work(300, 700, ct);
            run.CompleteStep("scrape-site", new { products = random.Next(40, 200) }, loopIndex: i);
        }
        run.StartStep("scrape-site", new { site = "https://shop3.example.com/pricing" }, loopIndex: 2, stepName: "Scrape site", operation: "http.fetch");
        await Work(1500, 2500, ct);
        run.TimeOutRun(new ErrorInfo { Code = "TIMEOUT", Message = "The run exceeded its 5 s limit while scraping shop3.example.com." });
        return runId;
    }

    /// <summary>A parent run that starts a child run and waits for it.</summary>
    public async Task<string> CustomerOnboardingAsync(CancellationToken ct)
    {
        var runId = NewRunId("customer-onboarding");
        var childId = NewRunId("provision-account");
        var customer = Customers[random.Next(Customers.Length)];
        await using var run = Reporter(runId);
        run.StartRun("customer-onboarding", "Customer onboarding", "event", eventName: "contract.signed", input: new { customer, plan = "enterprise", seats = 250 });
        run.StartStep("create-crm-record", new { customer }, stepName: "Create CRM record", operation: "crm.upsert");
        await Work(200, 500, ct);
        run.CompleteStep("create-crm-record", new { accountId = $"acc_{random.Next(100_000, 999_999)}" });
        run.StartStep("provision", new { childRunId = childId }, stepName: "Provision account (child run)", operation: "workflow.start");
        await run.FlushAsync(ct);

        await using (var child = Reporter(childId))
        {
            child.StartRun("provision-account", "Provision account", "api", parentRunId: runId, parentStepId: "provision", input: new { customer, seats = 250 });
            foreach (var (step, name) in new[] { ("create-tenant", "Create tenant"), ("configure-sso", "Configure SSO"), ("invite-admins", "Invite admins") })
            {
                child.StartStep(step, new { customer }, stepName: name, operation: "saas.admin");
                await Work(300, 900, ct);
                child.CompleteStep(step, new { ok = true });
            }
            var (tokens, cost) = Llm("gpt-4o-mini", 900, 300);
            child.StartStep("welcome-email", new { to = "admins" }, stepName: "Write welcome email", operation: "llm.chat");
            await Work(400, 900, ct);
            child.CompleteStep("welcome-email", new { subject = $"Welcome to the platform, {customer}!" }, model: "gpt-4o-mini", tokens: tokens, costUsd: cost);
            child.CompleteRun(new { tenant = customer.ToLowerInvariant().Replace(' ', '-') });
        }

        run.CompleteStep("provision", new { childRunId = childId, status = "completed" });
        run.CompleteRun(new { customer, onboarded = true });
        return runId;
    }

    /// <summary>
    /// An agent instrumented with OpenTelemetry instead of the runs API: spans with the GenAI conventions (model, tokens,
    /// no cost: the service prices them from Runs:ModelPrices), a search repeated as loop iterations, exported over OTLP,
    /// and log lines over OTLP too when it runs live (a logger writes the time of now, not the backlog's simulated time).
    /// </summary>
    public async Task<string> ResearchAgentAsync(CancellationToken ct)
    {
        var source = tracer!.Source;
        var log = pace is LivePace ? tracer.Log : null;
        var runId = NewRunId("research-agent");
        var topic = new[] { "battery recycling", "heat pumps", "river restoration" }[random.Next(3)];
        var tags = new ActivityTagsCollection { ["run.id"] = runId, ["workflow.id"] = "research-agent" };
        // A trace of its own: not a child of whatever this thread was doing.
        Activity.Current = null;
        using var root = source.StartActivity("Research agent", ActivityKind.Internal, default(ActivityContext), tags, startTime: pace.GetUtcNow())!;
        root.SetTag("input.value", System.Text.Json.JsonSerializer.Serialize(new { topic, depth = "brief" }));
        var sources = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var search = source.StartActivity("search-web", ActivityKind.Client, root.Context, tags, startTime: pace.GetUtcNow())!;
            // Each span is exported alone, as it ends: the iteration says itself what the service could only infer
            // from spans of one name arriving together.
            search.SetTag("step.loop_index", i);
            var query = $"{topic} {new[] { "costs", "policy", "studies" }[i]}";
            search.SetTag("input.value", System.Text.Json.JsonSerializer.Serialize(new { query }));
            log?.LogInformation("Searching the web for {Query}", query);
            await Work(200, 500, ct);
            var found = $"https://example.org/{topic.Replace(' ', '-')}/{i + 1}";
            if (i == 1)
            {
                log?.LogWarning("{Url} answered slowly; kept it", found);
            }
            sources.Add(found);
            search.SetTag("output.value", System.Text.Json.JsonSerializer.Serialize(new { url = found }));
            search.SetEndTime(pace.GetUtcNow().UtcDateTime);
        }
        using (var summarize = source.StartActivity("summarize", ActivityKind.Client, root.Context, tags, startTime: pace.GetUtcNow())!)
        {
            summarize.SetTag("gen_ai.operation.name", "chat");
            summarize.SetTag("gen_ai.request.model", "gpt-4o-mini");
            summarize.SetTag("gen_ai.usage.input_tokens", 3_200);
            summarize.SetTag("gen_ai.usage.cache_read.input_tokens", 1_200);
            summarize.SetTag("gen_ai.usage.output_tokens", 420);
            // The prompt in the GenAI conventions' shape (an instrumentation with content capture on sends it so).
            summarize.SetTag("gen_ai.input.messages", System.Text.Json.JsonSerializer.Serialize(new object[]
            {
                new { role = "system", parts = new[] { new { type = "text", content = "Summarise the sources in three sentences, citing each." } } },
                new { role = "user", parts = sources.Select(url => new { type = "text", content = url }).ToArray() },
            }));
            summarize.AddEvent(new ActivityEvent("sources read", pace.GetUtcNow(), new ActivityTagsCollection { ["count"] = sources.Count }));
            log?.LogInformation("Summarising {Count} sources with {Model}", sources.Count, "gpt-4o-mini");
            await Work(600, 1_400, ct);
            summarize.SetTag("output.value", $"Three sources agree that {topic} is getting cheaper.");
            summarize.SetEndTime(pace.GetUtcNow().UtcDateTime);
        }
        log?.LogInformation("Report on {Topic} ready", topic);
        root.SetTag("output.value", System.Text.Json.JsonSerializer.Serialize(new { topic, sources }));
        root.SetEndTime(pace.GetUtcNow().UtcDateTime);
        return runId;
    }
}
