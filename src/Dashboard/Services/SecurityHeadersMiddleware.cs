using Dashboard.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Services;

/// <summary>
/// Security headers on every response: a content security policy (scripts only from this origin, no plugins, no
/// framing except the embed routes by the configured portal origins), no MIME sniffing, no referrer.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next, IOptions<EmbeddingOptions> embedding)
{
    public Task InvokeAsync(HttpContext context)
    {
        var isEmbed = context.Request.Path.StartsWithSegments(DashboardUrls.EmbedPrefix);
        var origins = embedding.Value.AllowedOrigins.Where(o => Uri.TryCreate(o, UriKind.Absolute, out _)).ToList();
        var frameAncestors = isEmbed && origins.Count > 0 ? string.Join(' ', origins) : "'none'";
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy =
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
                $"connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frameAncestors}";
            if (frameAncestors == "'none'")
            {
                headers.XFrameOptions = "DENY";
            }
            return Task.CompletedTask;
        });
        return next(context);
    }
}
