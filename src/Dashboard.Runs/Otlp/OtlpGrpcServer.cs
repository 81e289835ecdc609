using Dashboard.Runs.Access;
using Dashboard.Runs.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// OTLP/gRPC's listener (<c>Runs:OtlpGrpcUrl</c>, e.g. <c>http://127.0.0.1:4317</c>): a small server of its own beside
/// the app's. gRPC needs HTTP/2, and Kestrel speaks HTTP/2 without TLS only on an endpoint that speaks nothing else; an
/// endpoint added to the app's own server would replace the URLs it was started with (<c>--urls</c>, <c>Urls</c>). It
/// serves the two export calls only, with the app's own services (keys, rate, ingestion).
/// </summary>
internal sealed partial class OtlpGrpcServer(IServiceProvider app, IOptions<RunsOptions> options, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<OtlpGrpcServer>();
    private WebApplication? _server;

    /// <summary>Where it listens once started (the port chosen when the setting says 0); null when it does not.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.OtlpGrpcUrl))
        {
            return;
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2);
            // gRPC's own limit below refuses an export over the ceiling with its status; this one only bounds the frames.
            kestrel.Limits.MaxRequestBodySize = options.Value.MaxBatchBytes + 1024;
        });
        builder.WebHost.UseUrls(options.Value.OtlpGrpcUrl);
        // Its log lines go to the app's loggers; its host's own start and stop lines would only repeat the app's, and a
        // failure to start is told below in one line.
        builder.Services.AddLogging(logging => logging.AddProvider(new ForwardingLoggerProvider(loggers))
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None)
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None));
        builder.Services.AddRoutingCore();
        builder.Services.AddGrpc(grpc =>
        {
            // The same ceiling as an OTLP/HTTP body: a bigger export is refused whole (RESOURCE_EXHAUSTED).
            grpc.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, options.Value.MaxBatchBytes);
        });
        builder.Services.AddSingleton(app.GetRequiredService<OtlpExports>());
        builder.Services.AddSingleton(app.GetRequiredService<AccessCheck>());
        builder.Services.AddSingleton(app.GetRequiredService<OtlpMetrics>());

        _server = builder.Build();
        _server.MapGrpcService<OtlpGrpcServices.Traces>();
        _server.MapGrpcService<OtlpGrpcServices.Logs>();
        _server.MapGrpcService<OtlpGrpcServices.Metrics>();
        try
        {
            await _server.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            // A port taken (another collector on 4317, say) leaves the app up without OTLP/gRPC, and says so.
            LogNotListening(_logger, options.Value.OtlpGrpcUrl, e.Message);
            await _server.DisposeAsync();
            _server = null;
            return;
        }
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = address is null ? null : new Uri(address);
        LogListening(_logger, address);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "OTLP/gRPC listening on: {Address}")]
    private static partial void LogListening(ILogger logger, string? address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP/gRPC is off: could not listen on {Url} ({Reason}). OTLP/HTTP (/v1/traces, /v1/logs) still answers; set Runs:OtlpGrpcUrl to a free address.")]
    private static partial void LogNotListening(ILogger logger, string url, string reason);

    /// <summary>Hands the inner server's loggers to the app's factory, so its lines go where the app's go.</summary>
    private sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
