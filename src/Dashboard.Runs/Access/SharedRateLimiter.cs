using System.Collections.Concurrent;
using Dashboard.Runs.Configuration;
using Dashboard.Streams.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Dashboard.Runs.Access;

/// <summary>
/// The rate counted across every instance on one PostgreSQL database, per partition and minute window. A request is not
/// a round trip: each instance counts locally and adds its counts to the window's row every <see cref="FlushInterval"/>,
/// learning the total of all instances in the same statement. The first request of a partition in a window reads that
/// total first. So the limit holds across instances to within what the others let through in one interval.
/// </summary>
internal sealed partial class SharedRateLimiter : BackgroundService, IRequestRateLimiter
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(200);

    private readonly NpgsqlDataSource _dataSource;
    private readonly int _limit;
    private readonly TimeProvider _time;
    private readonly ILogger<SharedRateLimiter> _logger;
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    public SharedRateLimiter(PostgreSqlStreamStore store, IOptions<RunsOptions> options, TimeProvider time, ILogger<SharedRateLimiter> logger)
    {
        _dataSource = store.DataSource;
        _limit = Math.Max(1, options.Value.RateLimitPerMinute);
        _time = time;
        _logger = logger;
    }

    private sealed class Window
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public long Start = -1;
        public long Total;
        public int Pending;
    }

    public async ValueTask<TimeSpan?> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var start = now - now % 60_000;
        var window = _windows.GetOrAdd(partition, _ => new Window());
        await window.Gate.WaitAsync(cancellationToken);
        try
        {
            if (window.Start != start)
            {
                // A new minute (or a partition this instance has not served yet): what the others counted so far.
                var unsent = window.Pending;
                if (unsent > 0)
                {
                    await AddAsync(partition, window.Start, unsent, cancellationToken);
                }
                window.Total = await AddAsync(partition, start, 0, cancellationToken);
                (window.Start, window.Pending) = (start, 0);
            }
            if (window.Total + window.Pending >= _limit)
            {
                return TimeSpan.FromMilliseconds(start + 60_000 - now);
            }
            window.Pending++;
            return null;
        }
        finally
        {
            window.Gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(FlushInterval, _time);
        var lastCleanup = 0L;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await FlushAsync(stoppingToken);
                var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (now - lastCleanup > 60_000)
                {
                    await using var cleanup = _dataSource.CreateCommand("DELETE FROM rate_windows WHERE window_start < @before");
                    cleanup.Parameters.AddWithValue("before", now - 10 * 60_000);
                    await cleanup.ExecuteNonQueryAsync(stoppingToken);
                    lastCleanup = now;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The counts stay pending and are sent with the next flush.
                LogFlushFailed(_logger, ex);
            }
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var (partition, window) in _windows)
        {
            if (Volatile.Read(ref window.Pending) == 0)
            {
                continue;
            }
            await window.Gate.WaitAsync(cancellationToken);
            try
            {
                if (window.Pending > 0)
                {
                    window.Total = await AddAsync(partition, window.Start, window.Pending, cancellationToken);
                    window.Pending = 0;
                }
            }
            finally
            {
                window.Gate.Release();
            }
        }
    }

    /// <summary>Adds <paramref name="count"/> to the window's row and returns its total over every instance.</summary>
    private async Task<long> AddAsync(string partition, long start, int count, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO rate_windows AS w (partition, window_start, count) VALUES (@partition, @start, @count)
            ON CONFLICT (partition, window_start) DO UPDATE SET count = w.count + excluded.count
            RETURNING count
            """);
        command.Parameters.AddWithValue("partition", partition);
        command.Parameters.AddWithValue("start", start);
        command.Parameters.AddWithValue("count", (long)count);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not add this instance's request counts to the shared rate limits; retrying")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
