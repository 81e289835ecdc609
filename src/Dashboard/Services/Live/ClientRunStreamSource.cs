using Dashboard.Client;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Services;

/// <summary>A runs service elsewhere: one server-sent-events connection per stream followed, through the client.</summary>
public sealed class ClientRunStreamSource(RunsClient client) : IRunStreamSource
{
    /// <summary>One server-sent-events connection per upstream: a busy run costs no request per event.</summary>
    private static readonly LiveOptions Live = new() { Transport = LiveTransport.ServerSentEvents };

    public IAsyncEnumerable<RunEvent> FollowRunAsync(string runId, string from, CancellationToken cancellationToken) =>
        client.Run(runId).LiveTraceAsync(from, Live, cancellationToken);

    public IAsyncEnumerable<RunChange> FollowFeedAsync(string from, CancellationToken cancellationToken) =>
        client.LiveFeedAsync(from, Live, cancellationToken);
}
