using System.Threading.Channels;
using Dashboard.Streams.Core;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Dashboard.Streams.Storage;

/// <summary>
/// Wakes readers across instances sharing one PostgreSQL database, with PostgreSQL's own <c>LISTEN/NOTIFY</c>: a
/// change committed here is announced on a channel (its stream's path, tagged with this instance), and each instance
/// listens on one connection and wakes its readers of that path. Readers still check the tail themselves, so a
/// notification is only ever a hint; after the listening connection is lost every reader here wakes once.
/// </summary>
public sealed partial class PostgreSqlChangeRelay : IAsyncDisposable
{
    internal const string Channel = "dashboard_streams";

    private readonly NpgsqlDataSource _dataSource;
    private readonly StreamNotifier _notifier;
    private readonly ILogger _logger;
    private readonly string _instance = Guid.NewGuid().ToString("N")[..12];
    private readonly Channel<string> _outgoing = System.Threading.Channels.Channel.CreateUnbounded<string>(new() { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _listening;
    private readonly Task _publishing;
    private readonly TaskCompletionSource _listeningStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PostgreSqlChangeRelay(NpgsqlDataSource dataSource, StreamNotifier notifier, ILogger logger)
    {
        _dataSource = dataSource;
        _notifier = notifier;
        _logger = logger;
        notifier.Published += OnPublished;
        _listening = Task.Run(ListenAsync);
        _publishing = Task.Run(PublishAsync);
    }

    /// <summary>Completes once this instance listens (changes made elsewhere after that wake its readers).</summary>
    public Task Listening => _listeningStarted.Task;

    private void OnPublished(string path) => _outgoing.Writer.TryWrite(path);

    private async Task ListenAsync()
    {
        var retry = TimeSpan.FromMilliseconds(250);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(_stop.Token);
                connection.Notification += (_, e) =>
                {
                    var separator = e.Payload.IndexOf('|', StringComparison.Ordinal);
                    if (separator > 0 && !e.Payload.AsSpan(0, separator).SequenceEqual(_instance))
                    {
                        _notifier.Wake(e.Payload[(separator + 1)..]);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token);
                }
                // Changes made while not listening were not heard: every reader looks again.
                _notifier.WakeAll();
                _listeningStarted.TrySetResult();
                retry = TimeSpan.FromMilliseconds(250);
                while (true)
                {
                    await connection.WaitAsync(_stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                LogListenFailed(_logger, retry, ex);
                await Task.Delay(retry, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                retry = TimeSpan.FromMilliseconds(Math.Min(5000, retry.TotalMilliseconds * 2));
            }
        }
    }

    /// <summary>Paths announced in one statement at most: a NOTIFY payload is small, a statement of thousands is not.</summary>
    private const int MaxPerStatement = 500;

    /// <summary>
    /// One connection announces the changes, all those waiting in one statement (each path once): a statement per change
    /// fell behind under a thousand appends a second (each append also moves the runs feed), and the others' readers
    /// woke as late as that queue was long.
    /// </summary>
    private async Task PublishAsync()
    {
        var paths = new List<string>(MaxPerStatement);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync(_stop.Token))
            {
                paths.Clear();
                seen.Clear();
                while (paths.Count < MaxPerStatement && _outgoing.Reader.TryRead(out var path))
                {
                    if (seen.Add(path))
                    {
                        paths.Add(_instance + "|" + path);
                    }
                }
                try
                {
                    await using var command = _dataSource.CreateCommand("SELECT pg_notify($1, payload) FROM unnest($2) AS payload");
                    command.Parameters.AddWithValue(Channel);
                    command.Parameters.AddWithValue(paths.ToArray());
                    await command.ExecuteNonQueryAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
                {
                    // The others' readers still find the data at their next look (their long-poll ends at its time-out).
                    LogPublishFailed(_logger, paths.Count, ex);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _notifier.Published -= OnPublished;
        _outgoing.Writer.TryComplete();
        await _stop.CancelAsync();
        await Task.WhenAll(_listening, _publishing).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for other instances' stream changes failed; again in {Retry}")]
    private static partial void LogListenFailed(ILogger logger, TimeSpan retry, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell other instances that {Count} streams changed")]
    private static partial void LogPublishFailed(ILogger logger, int count, Exception exception);
}
