namespace Dashboard.Streams.Storage;

/// <summary>
/// One caller's work waiting for the write connection. A caller either finds its work done by another thread's
/// transaction, or is woken to lead: to run every waiting caller's work in one transaction.
/// </summary>
internal abstract class PendingWrite
{
    // No spinning before the wait: a caller waits a whole transaction (milliseconds) for its turn, and with 200 callers
    // waiting (the live benchmark's 5,000 events/s load) their spinning with sched_yield was about a tenth of the
    // dashboard process's CPU samples in perf, on two cores shared with the one thread doing the writes.
    private readonly ManualResetEventSlim? _signal;

    // A caller that awaits its turn instead of blocking a thread. Counted, not one-shot: PostgreSQL's store may wake a
    // caller twice (given a place to lead, then with its work done by another group), and a wake that comes before the
    // caller awaits is not lost. An awaiter's continuation runs on the thread pool, never inside the waking leader's Wake.
    private readonly SemaphoreSlim? _woken;

    protected PendingWrite(bool awaits)
    {
        if (awaits)
        {
            _woken = new SemaphoreSlim(0);
        }
        else
        {
            _signal = new ManualResetEventSlim(false, spinCount: 0);
        }
    }

    /// <summary>Set (under the queue's lock) when this caller is to lead the next transaction.</summary>
    public bool Leads { get; set; }

    // Read without the queue's lock by a caller that leads while another group completes its write (PostgreSQL).
    private volatile bool _completed;

    public bool Completed => _completed;

    public Exception? Error { get; private set; }

    public abstract void Run(IStreamWriter writer);

    public void Wait()
    {
        var signal = _signal ?? throw new InvalidOperationException("This write awaits its turn (WaitAsync).");
        signal.Wait();
        signal.Reset();
    }

    /// <summary>Until the next <see cref="Wake"/> (at once if one came since the last wait): a write made to await, not to block a thread while others commit.</summary>
    public Task WaitAsync() => (_woken ?? throw new InvalidOperationException("This write blocks for its turn (Wait).")).WaitAsync();

    public void Wake()
    {
        _signal?.Set();
        _woken?.Release();
    }

    public void Complete(Exception? error)
    {
        Error ??= error;
        _completed = true;
    }

    public void Dispose()
    {
        _signal?.Dispose();
        _woken?.Dispose();
    }
}

internal sealed class PendingWrite<T>(Func<IStreamWriter, T> work, bool awaits = false) : PendingWrite(awaits)
{
    public T? Result { get; private set; }

    public override void Run(IStreamWriter writer) => Result = work(writer);
}
