namespace Dashboard.Services.SampleWorkload;

/// <summary>
/// How a scenario's time passes: live runs really wait (so live views have something to watch); backlog runs move a
/// simulated clock, so a fresh install shows a few hours of history at once.
/// </summary>
internal abstract class ScenarioPace : TimeProvider
{
    public abstract Task PauseAsync(TimeSpan duration, CancellationToken cancellationToken);
}

internal sealed class LivePace : ScenarioPace
{
    public override Task PauseAsync(TimeSpan duration, CancellationToken cancellationToken) => Task.Delay(duration, cancellationToken);
}

internal sealed class SimulatedPace(DateTimeOffset start) : ScenarioPace
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public override Task PauseAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        _now += duration;
        return Task.CompletedTask;
    }
}
