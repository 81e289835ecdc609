using Dashboard.Runs.Api;

namespace Dashboard.Runs.Access;

/// <summary>
/// For the API (<c>/api</c>, <c>/v1</c>) and the generic streams: who is calling, whether they may, and whether they
/// are within their rate (<see cref="AccessCheck"/>). Refusals use the error envelope.
/// </summary>
public sealed class AccessMiddleware(RequestDelegate next, AccessCheck access)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if ((!path.StartsWithSegments("/api") && !path.StartsWithSegments("/v1")) || HttpMethods.IsOptions(context.Request.Method))
        {
            await next(context);
            return;
        }

        var (caller, refusal) = path.StartsWithSegments("/v1/stream")
            ? await access.CheckAsync(context, Caller.StreamsScope, "This key may not use the generic streams.", context.RequestAborted)
            : await access.CheckAsync(context, null, null, context.RequestAborted);
        if (refusal is not null)
        {
            if (refusal.Status == 401)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }
            if (refusal.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            await ApiError.WriteAsync(context, refusal.Status, refusal.Code, refusal.Message);
            return;
        }
        context.Items[typeof(Caller)] = caller;
        await next(context);
    }
}
