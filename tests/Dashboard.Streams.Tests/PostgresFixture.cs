using Dashboard.Testing;

namespace Dashboard.Streams.Tests;

/// <summary>One PostgreSQL server for a test class (started by the tests, removed after); a fresh database per store.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private int _databases;

    public PostgresServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await PostgresServer.StartAsync();

    public string NewDatabase() => Server.CreateDatabaseAsync($"streams_{Interlocked.Increment(ref _databases)}").GetAwaiter().GetResult();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
