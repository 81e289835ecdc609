using System.Text.RegularExpressions;
using Dashboard.Runs.Otlp.Wire;
using Dashboard.Testing;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Dashboard.Runs.Tests;

/// <summary>Where a started app's OTLP/gRPC listener is (it says so in its log when it listens).</summary>
internal static partial class OtlpGrpc
{
    /// <summary>The settings that make an app listen for OTLP/gRPC on a free loopback port and say where.</summary>
    public static readonly string[] Arguments =
        ["--Runs:OtlpGrpcUrl", "http://127.0.0.1:0", "--Logging:LogLevel:Dashboard.Runs.Otlp.OtlpGrpcServer", "Information"];

    public static Uri Address(AppProcess app) =>
        app.Output.Select(line => Listening().Match(line)).FirstOrDefault(match => match.Success) is { } found
            ? new Uri(found.Groups[1].Value)
            : throw new InvalidOperationException("The app did not say where OTLP/gRPC listens:\n" + string.Join('\n', app.Output));

    public static GrpcChannel Channel(AppProcess app) => GrpcChannel.ForAddress(Address(app));

    public static Metadata Key(string key) => new() { { "authorization", "Bearer " + key } };

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    /// <summary>A trace of a root span and one step's span, ended, as an exporter sends it.</summary>
    public static ExportTraceServiceRequest Trace(string traceId, string? runId = null, string workflow = "grpc-flow", int padding = 0)
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var trace = ByteString.CopyFrom(Convert.FromHexString(traceId));
        var root = new Span { TraceId = trace, SpanId = ByteString.CopyFrom(Convert.FromHexString("00000000000000a1")), Name = workflow, StartTimeUnixNano = now, EndTimeUnixNano = now + 9_000_000 };
        var step = new Span
        {
            TraceId = trace, SpanId = ByteString.CopyFrom(Convert.FromHexString("00000000000000b2")), ParentSpanId = root.SpanId,
            Name = "classify", StartTimeUnixNano = now + 1_000_000, EndTimeUnixNano = now + 5_000_000,
        };
        if (padding > 0)
        {
            step.Attributes.Add(Text("padding", new string('x', padding)));
        }
        var scope = new ScopeSpans();
        scope.Spans.Add(step);
        scope.Spans.Add(root);
        var resource = new ResourceSpans { Resource = new Resource() };
        resource.Resource.Attributes.Add(Text("service.name", "grpc-agent"));
        if (runId is not null)
        {
            resource.Resource.Attributes.Add(Text("run.id", runId));
        }
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    /// <summary>One log record of the trace's step span.</summary>
    public static ExportLogsServiceRequest Log(string traceId, string message)
    {
        var record = new LogRecord
        {
            TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000, SeverityNumber = (SeverityNumber)13, SeverityText = "Warning",
            Body = new AnyValue { StringValue = message },
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)), SpanId = ByteString.CopyFrom(Convert.FromHexString("00000000000000b2")),
        };
        var scope = new ScopeLogs();
        scope.LogRecords.Add(record);
        var resource = new ResourceLogs { Resource = new Resource() };
        resource.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }

    public static string NewTraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    [GeneratedRegex(@"OTLP/gRPC listening on: (http://\S+)")]
    private static partial Regex Listening();
}

/// <summary>A keyed service listening for OTLP/gRPC too; exports over 1 MiB are refused.</summary>
public class OtlpGrpcFixture : RunsServiceFixture
{
    public const string Engine = "grpc-engine-0123456789abcdef";
    public const string ReaderKey = "grpc-reader-0123456789abcdef";

    protected override IEnumerable<string> Arguments =>
    [
        .. base.Arguments, .. OtlpGrpc.Arguments,
        "--Runs:MaxBatchBytes", "1048576",
        "--Runs:ApiKeys:0:Name", "engine", "--Runs:ApiKeys:0:Key", Engine, "--Runs:ApiKeys:0:Scopes:0", "read", "--Runs:ApiKeys:0:Scopes:1", "ingest",
        "--Runs:ApiKeys:1:Name", "reader", "--Runs:ApiKeys:1:Key", ReaderKey, "--Runs:ApiKeys:1:Scopes:0", "read",
    ];

    public HttpClient Reader()
    {
        var http = new HttpClient { BaseAddress = Service.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", ReaderKey);
        return http;
    }
}

public sealed class PostgreSqlOtlpGrpcFixture : OtlpGrpcFixture
{
    protected override async Task<IEnumerable<string>> StorageArgumentsAsync() =>
        ["--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await SharedPostgres.NewDatabaseAsync("otlpgrpc")];
}

/// <summary>OTLP/gRPC's refusals, as an exporter reads them: gRPC statuses, or partial success; nothing stored from a refused call.</summary>
public sealed class OtlpGrpcTests(OtlpGrpcFixture fixture) : IClassFixture<OtlpGrpcFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private CallOptions With(string? key, Metadata? more = null)
    {
        var headers = key is null ? new Metadata() : OtlpGrpc.Key(key);
        foreach (var entry in more ?? [])
        {
            headers.Add(entry);
        }
        return new CallOptions(headers, cancellationToken: Token);
    }

    private async Task<int> RunStatusAsync(string runId)
    {
        using var reader = fixture.Reader();
        using var response = await reader.GetAsync($"api/runs/{runId}", Token);
        return (int)response.StatusCode;
    }

    [Fact]
    public async Task WithoutAKey_OrWithAReadOnlyKey_ACallIsRefused_AndNothingIsStored()
    {
        using var channel = OtlpGrpc.Channel(fixture.Service);
        var traces = new TraceService.TraceServiceClient(channel);
        var logs = new LogsService.LogsServiceClient(channel);
        var traceId = OtlpGrpc.NewTraceId();

        var none = await Assert.ThrowsAsync<RpcException>(async () => await traces.ExportAsync(OtlpGrpc.Trace(traceId), With(null)));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(async () => await logs.ExportAsync(OtlpGrpc.Log(traceId, "x"), With("not-a-key-0123456789abcdef")));
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);
        var reader = await Assert.ThrowsAsync<RpcException>(async () => await traces.ExportAsync(OtlpGrpc.Trace(traceId), With(OtlpGrpcFixture.ReaderKey)));
        Assert.Equal(StatusCode.PermissionDenied, reader.StatusCode);
        Assert.Contains("ingest scope", reader.Status.Detail, StringComparison.Ordinal);

        Assert.Equal(404, await RunStatusAsync(traceId));
    }

    [Fact]
    public async Task AGzippedExport_IsRead_AndAnExportOverTheLimit_IsRefusedWhole()
    {
        using var channel = OtlpGrpc.Channel(fixture.Service);
        var traces = new TraceService.TraceServiceClient(channel);

        var zipped = OtlpGrpc.NewTraceId();
        var response = await traces.ExportAsync(OtlpGrpc.Trace(zipped), With(OtlpGrpcFixture.Engine, new Metadata { { "grpc-internal-encoding-request", "gzip" } }));
        Assert.Null(response.PartialSuccess);
        Assert.Equal(200, await RunStatusAsync(zipped));

        // 1.5 MiB of attributes against the 1 MiB the service takes.
        var large = OtlpGrpc.NewTraceId();
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await traces.ExportAsync(OtlpGrpc.Trace(large, padding: 1_500_000), With(OtlpGrpcFixture.Engine)));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal(404, await RunStatusAsync(large));
    }

    [Fact]
    public async Task ATraceARunRefuses_IsReportedAsPartialSuccess_AndTheOthersAreStored()
    {
        using var channel = OtlpGrpc.Channel(fixture.Service);
        var traces = new TraceService.TraceServiceClient(channel);
        var good = OtlpGrpc.NewTraceId();
        var request = OtlpGrpc.Trace(good);
        request.ResourceSpans.Add(OtlpGrpc.Trace(OtlpGrpc.NewTraceId(), runId: "bell\u0007run").ResourceSpans[0]);

        var response = await traces.ExportAsync(request, With(OtlpGrpcFixture.Engine));

        Assert.Equal(2, response.PartialSuccess.RejectedSpans);
        Assert.Contains("run.id", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(200, await RunStatusAsync(good));
    }

    [Fact]
    public async Task ALogRecordSentBeforeItsSpan_LandsOnItsStep()
    {
        using var channel = OtlpGrpc.Channel(fixture.Service);
        var traceId = OtlpGrpc.NewTraceId();
        var logged = await new LogsService.LogsServiceClient(channel).ExportAsync(OtlpGrpc.Log(traceId, "<b>slow</b> answer"), With(OtlpGrpcFixture.Engine));
        Assert.Null(logged.PartialSuccess);
        await new TraceService.TraceServiceClient(channel).ExportAsync(OtlpGrpc.Trace(traceId), With(OtlpGrpcFixture.Engine));

        using var reader = fixture.Reader();
        var line = Assert.Single((await reader.GetJsonAsync($"api/runs/{traceId}/logs")).GetProperty("items").EnumerateArray());
        Assert.Equal(("<b>slow</b> answer", "classify"), (line.GetProperty("message").GetString(), line.GetProperty("stepId").GetString()));
    }
}
