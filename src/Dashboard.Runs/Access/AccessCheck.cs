using Dashboard.Model.Access;
using Dashboard.Model.Errors;

namespace Dashboard.Runs.Access;

/// <summary>
/// Who is calling (bearer key or <c>X-Api-Key</c>), whether they may, and whether they are within their rate: the one
/// decision behind the HTTP API's <see cref="AccessMiddleware"/> and OTLP/gRPC's calls, each answering a refusal in its
/// own protocol.
/// </summary>
public sealed class AccessCheck(ApiKeyAccess keys, IRequestRateLimiter limiter)
{
    /// <summary>Why a request was refused: an HTTP status with the error envelope's code and message.</summary>
    public sealed record Refusal(int Status, string Code, string Message, TimeSpan? RetryAfter = null);

    /// <summary>
    /// The caller, or why not. <paramref name="scope"/>: a scope the whole route needs (the generic streams'), refused
    /// with <paramref name="withoutScope"/>.
    /// </summary>
    public async ValueTask<(Caller? Caller, Refusal? Refusal)> CheckAsync(HttpContext context, string? scope, string? withoutScope, CancellationToken cancellationToken)
    {
        Caller caller;
        if (keys.IsOpen)
        {
            caller = Caller.Open;
        }
        else
        {
            var resolved = keys.Resolve(ApiKeyAccess.PresentedKey(context.Request));
            if (resolved is null)
            {
                return (null, new Refusal(401, ErrorCodes.AuthorizationError, "A valid API key is required (Authorization: Bearer <key>)."));
            }
            if (scope is not null && !resolved.Can(scope))
            {
                return (null, new Refusal(403, ErrorCodes.AuthorizationError, withoutScope ?? $"This key needs the {scope} scope."));
            }
            caller = resolved;
        }
        if (context.Request.Headers.TryGetValue(WorkflowScopeHeader.Name, out var narrowing))
        {
            if (WorkflowScopeHeader.Parse(narrowing.ToString()) is not { } workflows)
            {
                return (null, new Refusal(400, ErrorCodes.InvalidInput, $"{WorkflowScopeHeader.Name} must be a JSON array of workflow ids."));
            }
            caller = caller.Narrow(workflows);
        }

        var partition = keys.IsOpen ? context.Connection.RemoteIpAddress?.ToString() ?? "local" : caller.Name;
        if (await limiter.AcquireAsync(partition, cancellationToken) is { } retryAfter)
        {
            return (null, new Refusal(429, ErrorCodes.RateLimitExceeded, "Too many requests for this key; retry after the delay in Retry-After.", retryAfter));
        }
        return (caller, null);
    }
}
