namespace Dashboard.Runs.Access;

/// <summary>Requests per key (or per address when the service is open) per minute: <c>Runs:RateLimitPerMinute</c>.</summary>
public interface IRequestRateLimiter
{
    /// <summary>Counts one request of <paramref name="partition"/>; null when it is within the rate, else how long to wait.</summary>
    ValueTask<TimeSpan?> AcquireAsync(string partition, CancellationToken cancellationToken);
}
