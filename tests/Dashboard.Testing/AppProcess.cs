using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Dashboard.Testing;

/// <summary>
/// A real app (the dashboard or the runs service), started as its own process from its build output on a free
/// loopback port with a fresh data directory: tests see what a user who ran it would see.
/// </summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly bool _ownsDataDirectory;

    private AppProcess(Process process, string dataDirectory, bool ownsDataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public Uri BaseAddress { get; private set; } = null!;

    public string DataDirectory { get; }

    public int ProcessId => _process.Id;

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <summary>
    /// Waits until a line of the process's output holds <paramref name="text"/>, for at most 30 s; whether one did. The
    /// console logger writes behind the code that logs, so a line logged while answering a request may come after the answer.
    /// </summary>
    public async Task<bool> WaitForOutputAsync(string text)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!Output.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > until)
            {
                return false;
            }
            await Task.Delay(50);
        }
        return true;
    }

    /// <param name="project">A project under src/, e.g. "Dashboard" or "Dashboard.Runs".</param>
    /// <param name="args">Extra command-line settings; <c>{data}</c> is replaced by the data directory.</param>
    /// <param name="dataDirectory">Reuse a data directory (to restart on the same files); a fresh one otherwise.</param>
    /// <param name="url">A fixed URL to listen on (to restart on the same port); a free port otherwise.</param>
    public static async Task<AppProcess> StartAsync(string project, IEnumerable<string>? args = null, string? dataDirectory = null, string? url = null)
    {
        var owns = dataDirectory is null;
        var data = dataDirectory ?? Directory.CreateTempSubdirectory("dashboard-test-").FullName;
        string[] all = [RepoPaths.BuiltApp(project), "--urls", url ?? "http://127.0.0.1:0",
            // OTLP/gRPC on any free port, not the SDKs' 4317 of appsettings.json: apps started at once would contend for
            // it (the losers warn), and a collector on this machine would lose it to a test. A test's own setting comes later and wins.
            "--Runs:OtlpGrpcUrl", "http://127.0.0.1:0",
            .. (args ?? []).Select(a => a.Replace("{data}", data, StringComparison.Ordinal)),
            // The listening line is how the port is found, whatever log level the test asks for.
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information"];
        return await StartCommandAsync(project, "dotnet", all, data, owns);
    }

    /// <summary>Starts any server command that prints <c>Now listening on: http://…</c> (the Node reference server, say).</summary>
    public static async Task<AppProcess> StartCommandAsync(string name, string fileName, IEnumerable<string> args, string workingDirectory, bool ownsWorkingDirectory = false)
    {
        var data = workingDirectory;
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = data,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Logging__Console__FormatterName"] = "simple";

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new AppProcess(process, data, ownsWorkingDirectory);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (app._output)
            {
                app._output.Add(line);
            }
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
            }
        }
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException(
            $"{name} exited before listening:\n" + string.Join('\n', app.Output)));

        app.BaseAddress = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return app;
    }

    /// <summary>Asks the process to stop as Ctrl+C or a service manager would (SIGTERM) and returns its exit code.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>Kills the process at once (no graceful shutdown), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by a dying process; the temp folder is cleaned by the system.
            }
        }
    }

    [GeneratedRegex(@"Now listening on: (http://[^\s]+)")]
    private static partial Regex ListeningLine();
}
