using Dashboard.Model.Access;
using Dashboard.Model.Errors;
using Dashboard.Runs.Api;

namespace Dashboard.Runs.Access;

/// <summary>
/// For the API (<c>/api</c>, <c>/v1</c>) and the generic streams: who is calling (bearer key), whether they may, and whether they are within
/// their rate. Refusals use the error envelope.
/// </summary>
public sealed class AccessMiddleware(RequestDelegate next, ApiKeyAccess keys, IRequestRateLimiter limiter)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        var isStreams = path.StartsWithSegments("/v1/stream");
        if (!path.StartsWithSegments("/api") && !path.StartsWithSegments("/v1"))
        {
            await next(context);
            return;
        }
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            await next(context);
            return;
        }

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
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await ApiError.WriteAsync(context, 401, ErrorCodes.AuthorizationError, "A valid API key is required (Authorization: Bearer <key>).");
                return;
            }
            if (isStreams && !resolved.Can(Caller.StreamsScope))
            {
                await ApiError.WriteAsync(context, 403, ErrorCodes.AuthorizationError, "This key may not use the generic streams.");
                return;
            }
            caller = resolved;
        }
        if (context.Request.Headers.TryGetValue(WorkflowScopeHeader.Name, out var narrowing))
        {
            if (WorkflowScopeHeader.Parse(narrowing.ToString()) is not { } workflows)
            {
                await ApiError.WriteAsync(context, 400, ErrorCodes.InvalidInput, $"{WorkflowScopeHeader.Name} must be a JSON array of workflow ids.");
                return;
            }
            caller = caller.Narrow(workflows);
        }
        context.Items[typeof(Caller)] = caller;

        var partition = keys.IsOpen ? context.Connection.RemoteIpAddress?.ToString() ?? "local" : caller.Name;
        if (await limiter.AcquireAsync(partition, context.RequestAborted) is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await ApiError.WriteAsync(context, 429, ErrorCodes.RateLimitExceeded, "Too many requests for this key; retry after the delay in Retry-After.");
            return;
        }
        await next(context);
    }
}
