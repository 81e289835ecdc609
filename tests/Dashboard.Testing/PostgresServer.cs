using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dashboard.Testing;

/// <summary>
/// A PostgreSQL server of the tests' own: <c>initdb</c> into a temporary folder, started on a free loopback port with
/// the Debian package's binaries, stopped and removed on dispose. Nothing global is started or left running. As root
/// (CI), the server runs as the <c>postgres</c> user, since <c>initdb</c> refuses root.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _bin;

    private PostgresServer(string directory, string bin, int port)
    {
        _directory = directory;
        _bin = bin;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string for <paramref name="database"/> (default: the server's own <c>postgres</c>).</summary>
    public string ConnectionString(string database = "postgres") =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=50;Timeout=30;Command Timeout=60";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = FindBinaries();
        var directory = Directory.CreateTempSubdirectory("pg-test-").FullName;
        var data = Path.Combine(directory, "data");
        var port = FreePort();
        var server = new PostgresServer(directory, bin, port);
        // The postgres user must reach the folder (temp folders are private to their owner).
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The tests start PostgreSQL from the Debian package.");
        }
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        await server.RunAsync("initdb", $"-D {data} -A trust -U postgres --no-sync -E UTF8");
        await server.RunAsync("pg_ctl", $"-D {data} -w -t 60 -l {Path.Combine(directory, "log")} -o \"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off -c max_connections=300\" start");
        return server;
    }

    /// <summary>A new, empty database on this server.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString());
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    /// <summary>
    /// The CPU time the server's processes have used so far (Linux): the postmaster's own and that of its children, those
    /// still running (backends, writers) and those it has reaped (closed connections' backends). Zero elsewhere.
    /// </summary>
    public TimeSpan ProcessorTime()
    {
        var pidFile = Path.Combine(_directory, "data", "postmaster.pid");
        if (!OperatingSystem.IsLinux() || !File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
        {
            return TimeSpan.Zero;
        }
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ReadStat(pid) is not { } stat)
            {
                continue;
            }
            // Fields after the command's closing parenthesis, from the state (3rd): ppid is [1], utime [11], stime [12],
            // cutime [13], cstime [14].
            if (pid == postmaster)
            {
                ticks += stat[11] + stat[12] + stat[13] + stat[14];
            }
            else if (stat[1] == postmaster)
            {
                ticks += stat[11] + stat[12];
            }
        }
        // Linux counts these in USER_HZ, 100 a second on every architecture .NET runs on.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static long[]? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return [.. fields.Take(15).Select(f => long.TryParse(f, out var n) ? n : 0)];
        }
        catch (IOException)
        {
            // The process ended meanwhile.
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync("pg_ctl", $"-D {Path.Combine(_directory, "data")} -w -t 30 -m fast stop");
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp folder.
            }
        }
    }

    private async Task RunAsync(string tool, string arguments)
    {
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(_bin, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asRoot)
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("postgres");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add("sh");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add($"{Path.Combine(_bin, tool)} {arguments}");
        }
        else
        {
            start.Arguments = arguments;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    private static string FindBinaries()
    {
        var versions = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().ToList()
            : [];
        return versions.LastOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): run `bash .ci/setup`.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
