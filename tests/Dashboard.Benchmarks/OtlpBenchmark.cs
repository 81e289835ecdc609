using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Runs.Otlp.Wire;
using Dashboard.Testing;
using Google.Protobuf;
using Grpc.Net.Client;
using System.Text.RegularExpressions;

namespace Dashboard.Benchmarks;

/// <summary>
/// The same runs reported three ways to one runs service, side by side: through the runs API (one batch of events per
/// run), and over OTLP/HTTP protobuf and OTLP/gRPC as an instrumented agent's SDK sends them (its log records first,
/// then its trace, so every record waits for its span and goes in with the trace). Each step: a model call with tokens, input, output
/// and one log line. Writes results/otlp.md.
/// </summary>
internal static partial class OtlpBenchmark
{
    private const int Writers = 8;
    private const int RunsPerWriterPerRound = 5;
    private const int StepsPerRun = 100;
    private const int Rounds = 8;
    private const int WarmRounds = 3;

    private sealed record Measured(double Cold, double Warm, double CpuMsPer1000Steps);

    public static async Task RunAsync()
    {
        await using var service = await AppProcess.StartAsync("Dashboard.Runs",
            ["--Streams:DatabasePath", "{data}/runs.db", "--Logging:LogLevel:Default", "Warning", "--Runs:RateLimitPerMinute", "100000000",
             "--Runs:OtlpGrpcUrl", "http://127.0.0.1:0", "--Logging:LogLevel:Dashboard.Runs.Otlp.OtlpGrpcServer", "Information"]);
        var grpcAddress = service.Output.Select(line => GrpcListening().Match(line)).First(match => match.Success).Groups[1].Value;
        using var channel = GrpcChannel.ForAddress(grpcAddress);
        var grpcTraces = new TraceService.TraceServiceClient(channel);
        var grpcLogs = new LogsService.LogsServiceClient(channel);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        var process = Process.GetProcessById(service.ProcessId);
        TimeSpan Cpu()
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }

        // In turn, round by round, so that both meet the same machine.
        var native = new List<(double PerSecond, TimeSpan Cpu)>();
        var otlp = new List<(double PerSecond, TimeSpan Cpu)>();
        var grpc = new List<(double PerSecond, TimeSpan Cpu)>();
        string? lastOtlpRun = null;
        string? lastGrpcRun = null;
        for (var round = 0; round < Rounds; round++)
        {
            native.Add(await RoundAsync(Cpu, async (writer, run) =>
            {
                var id = $"native-{round}-{writer}-{run}";
                await PostAsync(http, $"api/runs/{id}/events", "application/json", NativeBatch());
            }));
            otlp.Add(await RoundAsync(Cpu, async (writer, run) =>
            {
                var trace = RandomId(16);
                var spans = Enumerable.Range(0, StepsPerRun).Select(_ => RandomId(8)).ToArray();
                var root = RandomId(8);
                await PostAsync(http, "v1/logs", "application/x-protobuf", LogExport(trace, spans).ToByteArray());
                await PostAsync(http, "v1/traces", "application/x-protobuf", TraceExport(trace, root, spans).ToByteArray());
                lastOtlpRun = Convert.ToHexStringLower(trace);
            }));
            grpc.Add(await RoundAsync(Cpu, async (writer, run) =>
            {
                var trace = RandomId(16);
                var spans = Enumerable.Range(0, StepsPerRun).Select(_ => RandomId(8)).ToArray();
                var root = RandomId(8);
                Answered("logs over gRPC", (await grpcLogs.ExportAsync(LogExport(trace, spans))).PartialSuccess);
                Answered("traces over gRPC", (await grpcTraces.ExportAsync(TraceExport(trace, root, spans))).PartialSuccess);
                lastGrpcRun = Convert.ToHexStringLower(trace);
            }));
            Console.WriteLine($"round {round}: runs API {native[^1].PerSecond:N0} steps/s, OTLP/HTTP {otlp[^1].PerSecond:N0} steps/s, OTLP/gRPC {grpc[^1].PerSecond:N0} steps/s");
        }

        // Every record of the last OTLP runs is a line of its step.
        foreach (var last in new[] { lastOtlpRun, lastGrpcRun })
        {
            var logs = JsonDocument.Parse(await http.GetStringAsync($"api/runs/{last}/logs?limit=500")).RootElement.GetProperty("items");
            var onSteps = logs.EnumerateArray().Count(l => l.TryGetProperty("stepId", out _));
            if (onSteps != StepsPerRun)
            {
                throw new InvalidOperationException($"the last OTLP run {last} has {onSteps} log lines on steps, not {StepsPerRun}");
            }
        }

        var report = Report(Summarise(native), Summarise(otlp), Summarise(grpc));
        await ResultsFile.WriteAsync("otlp.md", report);
        Console.WriteLine(report);
    }

    private static async Task<(double, TimeSpan)> RoundAsync(Func<TimeSpan> cpu, Func<int, int, Task> reportRun)
    {
        var before = cpu();
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(async w =>
        {
            for (var r = 0; r < RunsPerWriterPerRound; r++)
            {
                await reportRun(w, r);
            }
        }));
        return (Writers * RunsPerWriterPerRound * StepsPerRun / watch.Elapsed.TotalSeconds, cpu() - before);
    }

    private static Measured Summarise(List<(double PerSecond, TimeSpan Cpu)> rounds)
    {
        var warm = rounds.Skip(WarmRounds).ToList();
        var steps = warm.Count * Writers * RunsPerWriterPerRound * StepsPerRun;
        return new Measured(rounds[0].PerSecond, Percentiles.Of(warm.Select(r => r.PerSecond).Order().ToList(), 0.50), warm.Sum(r => r.Cpu.TotalMilliseconds) * 1000 / steps);
    }

    private static async Task PostAsync(HttpClient http, string url, string contentType, byte[] body)
    {
        using var response = await http.PostAsync(url, new ByteArrayContent(body) { Headers = { ContentType = new(contentType) } });
        var answer = await response.Content.ReadAsByteArrayAsync();
        // OTLP answers 200 with a partial success when it refused part of an export.
        if (!response.IsSuccessStatusCode || (url.StartsWith("v1/", StringComparison.Ordinal) && answer.Length > 0))
        {
            throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {Encoding.UTF8.GetString(answer)}");
        }
    }

    private static void Answered(string what, object? partialSuccess)
    {
        if (partialSuccess is not null)
        {
            throw new InvalidOperationException($"{what}: {partialSuccess}");
        }
    }

    [GeneratedRegex(@"OTLP/gRPC listening on: (http://\S+)")]
    private static partial Regex GrpcListening();

    private static byte[] RandomId(int bytes) => Guid.NewGuid().ToByteArray()[..bytes];

    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow;

    private static string Ts(int ms) => Start.AddMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss'.'fff'Z'", CultureInfo.InvariantCulture);

    private static ulong Nanos(int ms) => (ulong)Start.AddMilliseconds(ms).ToUnixTimeMilliseconds() * 1_000_000;

    private static byte[] NativeBatch()
    {
        var body = new StringBuilder("[");
        body.Append($$$"""{"type":"run_started","timestamp":"{{{Ts(0)}}}","workflowId":"wf-otlp-bench","triggerType":"api","input":{"topic":"invoices"}}""");
        for (var s = 0; s < StepsPerRun; s++)
        {
            body.Append($$$""",{"type":"step_started","timestamp":"{{{Ts(s * 10 + 1)}}}","stepId":"summarize-{{{s}}}","input":{"invoice":"INV-{{{s}}}"}}""");
            body.Append($$$""",{"type":"log","timestamp":"{{{Ts(s * 10 + 2)}}}","level":"info","message":"Summarising invoice INV-{{{s}}}","stepId":"summarize-{{{s}}}","attempt":1,"Invoice":"INV-{{{s}}}"}""");
            body.Append($$$""",{"type":"step_completed","timestamp":"{{{Ts(s * 10 + 9)}}}","stepId":"summarize-{{{s}}}","modelUsed":"gpt-4o-mini","tokens":{"prompt":1834,"cached":512,"completion":211,"total":2045},"costUsd":"0.000402","output":{"summary":"Invoice INV-{{{s}}} approved for payment"}}""");
        }
        body.Append($$$""",{"type":"run_completed","timestamp":"{{{Ts(StepsPerRun * 10 + 1)}}}","result":{"approved":true}}]""");
        return Encoding.UTF8.GetBytes(body.ToString());
    }

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Attribute(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };

    private static Resource Service() => new() { Attributes = { Attribute("service.name", "otlp-bench") } };

    private static ExportTraceServiceRequest TraceExport(byte[] trace, byte[] root, byte[][] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "bench" } };
        scope.Spans.Add(new Span
        {
            TraceId = ByteString.CopyFrom(trace),
            SpanId = ByteString.CopyFrom(root),
            Name = "wf-otlp-bench",
            StartTimeUnixNano = Nanos(0),
            EndTimeUnixNano = Nanos(StepsPerRun * 10 + 1),
            Attributes = { Attribute("input.value", """{"topic":"invoices"}"""), Attribute("output.value", """{"approved":true}""") },
        });
        for (var s = 0; s < spans.Length; s++)
        {
            scope.Spans.Add(new Span
            {
                TraceId = ByteString.CopyFrom(trace),
                SpanId = ByteString.CopyFrom(spans[s]),
                ParentSpanId = ByteString.CopyFrom(root),
                Name = "summarize-" + s,
                StartTimeUnixNano = Nanos(s * 10 + 1),
                EndTimeUnixNano = Nanos(s * 10 + 9),
                Attributes =
                {
                    Attribute("gen_ai.operation.name", "chat"),
                    Attribute("gen_ai.request.model", "gpt-4o-mini"),
                    Attribute("gen_ai.usage.input_tokens", 1834),
                    Attribute("gen_ai.usage.cache_read.input_tokens", 512),
                    Attribute("gen_ai.usage.output_tokens", 211),
                    Attribute("input.value", $$"""{"invoice":"INV-{{s}}"}"""),
                    Attribute("output.value", $$"""{"summary":"Invoice INV-{{s}} approved for payment"}"""),
                },
            });
        }
        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = Service(), ScopeSpans = { scope } } } };
    }

    private static ExportLogsServiceRequest LogExport(byte[] trace, byte[][] spans)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "bench" } };
        for (var s = 0; s < spans.Length; s++)
        {
            // As .NET's logging sends it by default: the template as the body, its values as attributes.
            scope.LogRecords.Add(new LogRecord
            {
                TimeUnixNano = Nanos(s * 10 + 2),
                SeverityNumber = SeverityNumber.Info,
                SeverityText = "Information",
                Body = new AnyValue { StringValue = "Summarising invoice {Invoice}" },
                Attributes = { Attribute("Invoice", "INV-" + s) },
                TraceId = ByteString.CopyFrom(trace),
                SpanId = ByteString.CopyFrom(spans[s]),
            });
        }
        return new ExportLogsServiceRequest { ResourceLogs = { new ResourceLogs { Resource = Service(), ScopeLogs = { scope } } } };
    }

    private static string Report(Measured native, Measured otlp, Measured grpc)
    {
        static string Ratio(double a, double b) => (a / b).ToString("F2", CultureInfo.InvariantCulture) + "x";
        var r = new StringBuilder();
        r.AppendLine("# OTLP in against the runs API, for the same runs");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on this machine ({Environment.ProcessorCount} cores), one runs service (SQLite) on loopback, in one run of");
        r.AppendLine("`dotnet run -c Release --project tests/Dashboard.Benchmarks -- otlp`.");
        r.AppendLine();
        r.AppendLine(CultureInfo.InvariantCulture, $"{Writers} writers at once, each reporting {RunsPerWriterPerRound} runs in turn; each run {StepsPerRun} steps, each a model call (model, tokens, input, output) with one log line.");
        r.AppendLine("Runs API: the run's events in one `POST /api/runs/{id}/events` (its log lines as `log` events).");
        r.AppendLine("OTLP/HTTP: as an SDK sends them, in protobuf: the run's log records to `POST /v1/logs` first (each waits for its span),");
        r.AppendLine("then its trace (a root span and a span per step) to `POST /v1/traces`, which takes the waiting records in with its spans.");
        r.AppendLine("OTLP/gRPC: the same two exports, in the same order, to `LogsService/Export` and `TraceService/Export` (one HTTP/2 connection, Grpc.Net.Client).");
        r.AppendLine(CultureInfo.InvariantCulture, $"{Rounds} rounds, the three ways in turn in each; the first on cold code, the median of the last {Rounds - WarmRounds} (\"warm\"). At the end, every record of the last run of each OTLP way is checked to be a line of its step.");
        r.AppendLine();
        r.AppendLine("| measure | runs API | OTLP/HTTP | OTLP/gRPC | OTLP/HTTP / runs API | OTLP/gRPC / runs API |");
        r.AppendLine("|---|---:|---:|---:|---:|---:|");
        r.AppendLine(CultureInfo.InvariantCulture, $"| steps/s, warm | {native.Warm:N0} | {otlp.Warm:N0} | {grpc.Warm:N0} | {Ratio(otlp.Warm, native.Warm)} | {Ratio(grpc.Warm, native.Warm)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| steps/s, cold first round | {native.Cold:N0} | {otlp.Cold:N0} | {grpc.Cold:N0} | {Ratio(otlp.Cold, native.Cold)} | {Ratio(grpc.Cold, native.Cold)} |");
        r.AppendLine(CultureInfo.InvariantCulture, $"| service CPU per 1,000 steps, warm (ms) | {native.CpuMsPer1000Steps:N1} | {otlp.CpuMsPer1000Steps:N1} | {grpc.CpuMsPer1000Steps:N1} | {Ratio(otlp.CpuMsPer1000Steps, native.CpuMsPer1000Steps)} | {Ratio(grpc.CpuMsPer1000Steps, native.CpuMsPer1000Steps)} |");
        r.AppendLine();
        r.AppendLine("Service CPU: the service process's user and kernel time over the warm rounds (the search indexer's included), per 1,000 steps. Each step is three events either way (started, a log line, completed).");
        return r.ToString();
    }
}
