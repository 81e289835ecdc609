namespace Dashboard.Services;

/// <summary>
/// Runs a callback at most once per interval, with at most one run queued: a burst of thousands of events becomes a
/// render every 100 ms, never a backlog of renders.
/// </summary>
public sealed class CallbackThrottler(Func<Task> callback, TimeSpan interval, TimeProvider time) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private bool _scheduled;
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    public void Request()
    {
        lock (_gate)
        {
            if (_scheduled)
            {
                return;
            }
            _scheduled = true;
        }
        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        var wait = _last + interval - time.GetUtcNow();
        try
        {
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, _stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        lock (_gate)
        {
            _scheduled = false;
            _last = time.GetUtcNow();
        }
        await callback();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
