namespace Dashboard.Runs.Configuration;

/// <summary>Settings of the runs service (section <c>Runs</c>).</summary>
public sealed class RunsOptions
{
    /// <summary>A request body over this is refused whole with 413.</summary>
    public long MaxBatchBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>Payload snapshots (input, output, mapped output, result, error data) over this are stored truncated.</summary>
    public int SnapshotLimitBytes { get; set; } = 256 * 1024;

    /// <summary>Requests (other than live streams) that take longer answer TIMEOUT.</summary>
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>Requests per minute per key (or per client address when no keys are configured).</summary>
    public int RateLimitPerMinute { get; set; } = 12_000;

    /// <summary>
    /// A batch with an event stamped more than this many seconds ahead of the service's clock is refused whole (a broken
    /// clock; stored, its run would top the newest-first list for as long as the time lies ahead). 0: no limit.
    /// </summary>
    public int MaxClockAheadSeconds { get; set; } = 24 * 60 * 60;

    /// <summary>Key patterns whose values are masked in payloads before they are stored; empty uses the defaults.</summary>
    public List<string> RedactKeys { get; set; } = [];

    /// <summary>
    /// Runs that ended and started more than this many days ago are deleted (their stream and rows), a small batch at a
    /// time. Unset: runs are kept forever.
    /// </summary>
    public int? RetentionDays { get; set; }

    /// <summary>How often the retention sweep looks for runs past <see cref="RetentionDays"/>.</summary>
    public int RetentionSweepSeconds { get; set; } = 300;

    /// <summary>Bearer keys. None: every request is allowed (fit only for a loopback-bound service).</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>
    /// Prices per million tokens by model (<c>Runs:ModelPrices:gpt-4o-mini:Input</c>, <c>…:CachedInput</c>, <c>…:Output</c>):
    /// the cost of a span received over OTLP that carries tokens but no cost.
    /// </summary>
    public Dictionary<string, Otlp.ModelPrice> ModelPrices { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// How long an OTLP log record waits for its trace's spans (an SDK exports logs sooner than spans, and a span only when
    /// it ends). After it, the record becomes a line of its run if the run is there and open, and is dropped otherwise.
    /// </summary>
    public int OtlpLogWaitSeconds { get; set; } = 120;

    /// <summary>
    /// How long a trace export holding a model call's span without its prompt and answer waits for them to come as
    /// GenAI content events, from a service that has sent such events before (<c>OtlpContentWait</c>). 0: no wait.
    /// </summary>
    public int OtlpContentWaitMs { get; set; } = 1_000;

    /// <summary>
    /// How long a run made from OTLP spans stays open after its root span ended, for the log records its service sends
    /// later (an SDK exports logs and spans on timers of their own); only for services that have sent log records. 0: a
    /// run ends when its root span comes.
    /// </summary>
    public int OtlpEndGraceMs { get; set; } = 5_000;

    /// <summary>
    /// Where OTLP/gRPC listens (<c>http://127.0.0.1:4317</c>, an SDK's default endpoint; port 0 for any free one). Unset:
    /// OTLP comes over HTTP only (<c>/v1/traces</c>, <c>/v1/logs</c> on the service's own address).
    /// </summary>
    public string? OtlpGrpcUrl { get; set; }

    /// <summary>
    /// The executions list's model filter: a model fewer runs called than this has them looked up and sorted for a page;
    /// one called by more has the list walked in its order (see <c>RunQueries</c>). A tuning knob, not a limit.
    /// </summary>
    public int ModelFilterFewRuns { get; set; } = 5_000;

    /// <summary>
    /// How long a search may spend catching the search index up with what was stored before it. Past it (ingestion
    /// heavier than the indexer keeps up with), it answers from the index as it is and says so (<c>indexBehind</c>).
    /// </summary>
    public int SearchCatchUpMs { get; set; } = 5_000;

    /// <summary>How often the search indexer catches up with ingestion in the background.</summary>
    public int SearchIndexIntervalMs { get; set; } = 250;

    /// <summary>
    /// How long a read of the insights aggregates may spend adding the batches stored before it (they are added behind
    /// ingestion). Past it, the read answers from the aggregates as they are.
    /// </summary>
    public int InsightsCatchUpMs { get; set; } = 5_000;

    /// <summary>How often the insights aggregates are added to in the background.</summary>
    public int InsightsIntervalMs { get; set; } = 250;

    /// <summary>
    /// Runs whose reducer state is kept in memory between their batches at most (runs being reported; a run's state is let
    /// go of when it ends). A run not held replays its stream when its next batch comes.
    /// </summary>
    public int StateCacheRuns { get; set; } = 2_000;

    /// <summary>
    /// About how many megabytes those states may take (estimated from their attempts and event ids: about a kilobyte an
    /// attempt, see <c>RunStateSize</c>): past it, the states reported to least recently are let go of first, and a warning is logged.
    /// </summary>
    public int StateCacheMegabytes { get; set; } = 1_024;

    /// <summary>A control request no engine has reported acting on after this long shows as not acted on (expired).</summary>
    public int ControlRequestExpirySeconds { get; set; } = 300;
}

public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";

    /// <summary>Workflows the key may see and report; empty or "*" means all.</summary>
    public List<string> Workflows { get; set; } = [];

    /// <summary><c>read</c>, <c>ingest</c>, <c>streams</c> (the generic Durable Streams endpoints).</summary>
    public List<string> Scopes { get; set; } = ["read"];
}
