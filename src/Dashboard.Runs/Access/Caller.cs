namespace Dashboard.Runs.Access;

/// <summary>Who is calling and what they may do: from their API key, or everything when the service asks for no key.</summary>
public sealed record Caller(string Name, IReadOnlySet<string> Scopes, IReadOnlySet<string>? Workflows)
{
    public const string ReadScope = "read";
    public const string IngestScope = "ingest";
    public const string StreamsScope = "streams";

    /// <summary>Acting on runs: cancel, resume, rerun (requests on the control streams).</summary>
    public const string ControlScope = "control";

    public static Caller Open { get; } = new("open", new HashSet<string> { ReadScope, IngestScope, StreamsScope, ControlScope }, null);

    public bool Can(string scope) => Scopes.Contains(scope);

    /// <summary>Null workflows: all of them.</summary>
    public bool Sees(string workflowId) => Workflows is null || Workflows.Contains(workflowId);

    /// <summary>What this caller sees when it asks to see only <paramref name="workflows"/>: never more than before.</summary>
    public Caller Narrow(IReadOnlySet<string> workflows) =>
        this with { Workflows = Workflows is null ? workflows : Workflows.Where(workflows.Contains).ToHashSet(StringComparer.Ordinal) };

    public static Caller Of(HttpContext context) => context.Items[typeof(Caller)] as Caller ?? Open;
}
