using System.Threading.RateLimiting;
using Dashboard.Runs.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Access;

/// <summary>The rate counted in this process: one instance (the SQLite store) sees every request.</summary>
internal sealed class LocalRateLimiter(IOptions<RunsOptions> options) : IRequestRateLimiter, IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(partition =>
        RateLimitPartition.GetFixedWindowLimiter(partition, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, options.Value.RateLimitPerMinute),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public ValueTask<TimeSpan?> AcquireAsync(string partition, CancellationToken cancellationToken)
    {
        using var lease = _limiter.AttemptAcquire(partition);
        TimeSpan? wait = lease.IsAcquired ? null : lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        return ValueTask.FromResult(wait);
    }

    public void Dispose() => _limiter.Dispose();
}
