using Dashboard.Client.Errors;

namespace Dashboard.Model;

public enum LoadState
{
    Loading,
    Loaded,
    Empty,
    Failed,
}

/// <summary>
/// The load state of a page's data: loading, loaded, empty, or failed with what to tell the user. A new load cancels
/// the one it supersedes, so a slow answer never overwrites a newer one. A load its caller calls off leaves the page as
/// it was before it began.
/// </summary>
/// <param name="notFound">What a 404 means here, when not "the runs API is not at this address" (a step not in its run, say).</param>
public sealed class ListLoadView<T>(Func<T, bool> isEmpty, Func<RunNotFoundException, (string Title, string Detail)>? notFound = null) : IDisposable
    where T : class
{
    private CancellationTokenSource? _current;

    public LoadState State { get; private set; } = LoadState.Loading;
    public T? Page { get; private set; }
    public string? ErrorTitle { get; private set; }
    public string? ErrorDetail { get; private set; }

    /// <summary>The failure itself, for a page that treats one kind apart (a run that is not found, say).</summary>
    public RunsClientException? Error { get; private set; }
    public bool IsLoading => State == LoadState.Loading;

    /// <param name="cancel">Calls the load off: its answer, if one comes, is dropped, and the state is what it was.</param>
    public async Task LoadAsync(Func<CancellationToken, Task<T>> load, CancellationToken cancel = default)
    {
        _current?.Cancel();
        _current?.Dispose();
        var cts = _current = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        State = LoadState.Loading;
        try
        {
            var page = await load(cts.Token);
            if (cts.IsCancellationRequested)
            {
                CalledOff(cts);
                return;
            }
            Page = page;
            State = isEmpty(page) ? LoadState.Empty : LoadState.Loaded;
            ErrorTitle = ErrorDetail = null;
            Error = null;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Superseded by a newer load, called off, or the page went away.
            CalledOff(cts);
        }
        catch (RunsClientException ex)
        {
            (ErrorTitle, ErrorDetail) = ex is RunNotFoundException missing && notFound is not null ? notFound(missing) : Describe(ex);
            Error = ex;
            State = LoadState.Failed;
        }
    }

    /// <summary>
    /// A load called off by its caller, and by no newer load, leaves the state the data shown has (still loading when
    /// none is): nothing else would end its "loading".
    /// </summary>
    private void CalledOff(CancellationTokenSource cts)
    {
        if (!ReferenceEquals(_current, cts))
        {
            return;
        }
        State = Error is not null ? LoadState.Failed
            : Page is null ? LoadState.Loading
            : isEmpty(Page) ? LoadState.Empty : LoadState.Loaded;
    }

    /// <summary>What went wrong, in the words a user needs: what happened and what to try.</summary>
    public static (string Title, string Detail) Describe(RunsClientException ex) => ex switch
    {
        ApiConnectionException => ("The runs service cannot be reached",
            "Check that the service is running and that Backend:BaseUrl points at it, then retry."),
        ApiTimeoutException => ("The runs service did not answer in time",
            "It may be overloaded or the query too broad. Retry, or narrow the filters."),
        UnauthorizedException => ("Not allowed",
            "The dashboard's API key was refused by the runs service (Backend:ApiKey)."),
        RateLimitedException limited => ("Too many requests",
            limited.RetryAfter is { } wait ? $"The runs service asks to wait {Math.Ceiling(wait.TotalSeconds)} s before retrying." : "Wait a moment, then retry."),
        RunNotFoundException => ("The runs service has no runs API here",
            "The address answered, but not with the runs API. Check Backend:BaseUrl."),
        _ => ("The runs service reported an error", ex.RequestId is null ? ex.Message : $"{ex.Message} (request {ex.RequestId})"),
    };

    public void Dispose()
    {
        _current?.Cancel();
        _current?.Dispose();
        _current = null;
    }
}
