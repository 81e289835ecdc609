using System.Net;
using System.Text;

namespace Dashboard.E2E;

/// <summary>A stand-in admin portal on its own loopback origin: one page that frames whatever URL it is given.</summary>
public sealed class PortalPage : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stop = new();

    public PortalPage()
    {
        var port = FreePort();
        Origin = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Origin + "/");
        _listener.Start();
        _ = ServeAsync();
    }

    public string Origin { get; }

    /// <summary>The portal page framing <paramref name="framed"/> in an iframe of the given size.</summary>
    public string PageFor(Uri framed, int width = 1200, int height = 800) => $"{Origin}/portal?src={Uri.EscapeDataString(framed.ToString())}&w={width}&h={height}";

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            var src = WebUtility.HtmlEncode(context.Request.QueryString["src"] ?? "about:blank");
            var width = int.TryParse(context.Request.QueryString["w"], out var w) ? w : 1200;
            var height = int.TryParse(context.Request.QueryString["h"], out var h) ? h : 800;
            var html = Encoding.UTF8.GetBytes($"<!doctype html><html><head><title>Portal</title></head><body><h1>Admin portal</h1><iframe title=\"Run\" src=\"{src}\" width=\"{width}\" height=\"{height}\"></iframe></body></html>");
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength64 = html.Length;
            await context.Response.OutputStream.WriteAsync(html);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}

/// <summary>The app with a signing key and one allowed portal origin; a second portal that is not allowed.</summary>
public sealed class EmbedFixture : BrowserFixture
{
    public const string SigningKey = "embed-signing-key-for-tests-0123456789";

    public PortalPage AllowedPortal { get; } = new();

    public PortalPage OtherPortal { get; } = new();

    protected override string[] AppArguments =>
        ["--SampleWorkload:Enabled", "false", "--Embedding:SigningKey", SigningKey, "--Embedding:AllowedOrigins:0", AllowedPortal.Origin];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        AllowedPortal.Dispose();
        OtherPortal.Dispose();
    }
}
