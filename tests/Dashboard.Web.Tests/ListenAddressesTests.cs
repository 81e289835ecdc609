using Dashboard.Security;
using Microsoft.Extensions.Configuration;

namespace Dashboard.Web.Tests;

/// <summary>Which settings put the dashboard beyond loopback (where it must not run without sign-in).</summary>
public sealed class ListenAddressesTests
{
    private static IReadOnlyList<string> Exposed(params (string Key, string Value)[] settings) =>
        ListenAddresses.BeyondLoopback(ListenAddresses.Configured(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build()));

    [Fact]
    public void LoopbackAddresses_StayLocal()
    {
        Assert.Empty(Exposed(("urls", "http://127.0.0.1:5180;http://localhost:5181;http://[::1]:5182")));
        Assert.Empty(Exposed(("Kestrel:Endpoints:Http:Url", "http://localhost:5000")));
        Assert.Empty(Exposed());
    }

    [Theory]
    [InlineData("urls", "http://0.0.0.0:5000")]
    [InlineData("urls", "http://+:80")]
    [InlineData("urls", "http://*:80")]
    [InlineData("urls", "http://[::]:80")]
    [InlineData("urls", "http://127.0.0.1:5180;http://dashboard.example.com:80")]
    [InlineData("Kestrel:Endpoints:Public:Url", "https://0.0.0.0:443")]
    [InlineData("http_ports", "8080")]
    public void AnyOtherAddress_IsExposed(string key, string value) => Assert.NotEmpty(Exposed((key, value)));

    [Fact]
    public void Ports_MeanEveryInterface_OnlyWithoutUrls()
    {
        Assert.Empty(Exposed(("urls", "http://127.0.0.1:5180"), ("http_ports", "8080")));
        Assert.Equal(["http://*:8080", "https://*:8443"], Exposed(("http_ports", "8080"), ("https_ports", "8443")));
    }
}
