namespace Dashboard.Model.Events;

/// <summary>The wire names of the event types.</summary>
public static class RunEventTypes
{
    public const string RunStarted = "run_started";
    public const string StepStarted = "step_started";
    public const string StepCompleted = "step_completed";
    public const string StepFailed = "step_failed";
    public const string StepSkipped = "step_skipped";
    public const string RunWaiting = "run_waiting";
    public const string RunResumed = "run_resumed";
    public const string RunCompleted = "run_completed";
    public const string RunFailed = "run_failed";
    public const string RunCancelled = "run_cancelled";
    public const string RunTimedOut = "run_timed_out";
    public const string Log = "log";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        RunStarted, StepStarted, StepCompleted, StepFailed, StepSkipped, RunWaiting, RunResumed,
        RunCompleted, RunFailed, RunCancelled, RunTimedOut, Log,
    };

    public static readonly IReadOnlySet<string> Terminal = new HashSet<string>(StringComparer.Ordinal)
    {
        RunCompleted, RunFailed, RunCancelled, RunTimedOut,
    };

    private static readonly Dictionary<Type, string> Names = typeof(RunEvent)
        .GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonDerivedTypeAttribute), inherit: false)
        .Cast<System.Text.Json.Serialization.JsonDerivedTypeAttribute>()
        .ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    public static string NameOf(Type eventType) => Names.TryGetValue(eventType, out var name) ? name : eventType.Name;
}
