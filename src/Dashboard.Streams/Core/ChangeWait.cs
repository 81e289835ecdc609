namespace Dashboard.Streams.Core;

/// <summary>
/// A reader's wait for a stream's next change, bounded in time. <c>Task.WhenAny(change, Task.Delay(…))</c> left the delay
/// queued, with its registration on the request's token, for the whole wait after the change came: under a thousand
/// events a second, every server-sent-events reader held some fifteen thousand of them (one per event in its heartbeat
/// interval). <see cref="Task.WaitAsync(TimeSpan, TimeProvider, CancellationToken)"/> drops both when the change comes.
/// </summary>
public static class ChangeWait
{
    /// <summary>True when <paramref name="change"/> came within <paramref name="wait"/>; false when the time ran out or the wait was cancelled.</summary>
    public static async Task<bool> WithinAsync(Task change, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await change.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
