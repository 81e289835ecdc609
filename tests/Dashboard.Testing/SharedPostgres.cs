namespace Dashboard.Testing;

/// <summary>
/// One PostgreSQL server for a test assembly, started by the first test that needs it (a fresh database each), stopped
/// and removed when the assembly's tests are done: register it with <c>[assembly: AssemblyFixture(typeof(SharedPostgres))]</c>.
/// </summary>
public sealed class SharedPostgres : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresServer>> Server = new(PostgresServer.StartAsync);
    private static int _databases;

    public static async Task<string> NewDatabaseAsync(string prefix)
    {
        var server = await Server.Value;
        return await server.CreateDatabaseAsync($"{prefix}_{Interlocked.Increment(ref _databases)}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Server.IsValueCreated)
        {
            await (await Server.Value).DisposeAsync();
        }
    }
}
