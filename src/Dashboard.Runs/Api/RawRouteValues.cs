using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Dashboard.Runs.Api;

/// <summary>
/// Route values of the runs service decoded from the request line as the client sent it. Kestrel decodes a path
/// except <c>%2F</c>, so <c>/api/runs/orders%2F1234</c> would bind <c>runId = "orders%2F1234"</c>, and a run id
/// that really contains <c>%2F</c> (sent as <c>%252F</c>) would bind the same string: an id with <c>/</c> or
/// <c>%</c> could not round-trip. Each whole-segment parameter is taken from its raw segment and unescaped once.
/// </summary>
public sealed class RawRouteValues(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint endpoint
            && context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } rawTarget
            && rawTarget[0] == '/')
        {
            Rebind(context, endpoint.RoutePattern, rawTarget);
        }
        return next(context);
    }

    private static void Rebind(HttpContext context, RoutePattern pattern, string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawSegments = (query < 0 ? rawTarget : rawTarget[..query]).Split('/');
        // rawSegments[0] is the empty string before the leading slash; a path base adds its own segments first.
        var skip = 1 + (context.Request.PathBase.HasValue ? context.Request.PathBase.Value!.Count(c => c == '/') : 0);
        var segments = pattern.PathSegments;
        if (rawSegments.Length - skip != segments.Count)
        {
            return;
        }
        for (var i = 0; i < segments.Count; i++)
        {
            if (segments[i].Parts is [RoutePatternParameterPart { IsCatchAll: false } parameter]
                && context.Request.RouteValues.ContainsKey(parameter.Name))
            {
                context.Request.RouteValues[parameter.Name] = Uri.UnescapeDataString(rawSegments[skip + i]);
            }
        }
    }
}
