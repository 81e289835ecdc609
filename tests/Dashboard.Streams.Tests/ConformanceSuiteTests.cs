using System.Diagnostics;
using System.Text.Json;
using Dashboard.Testing;

namespace Dashboard.Streams.Tests;

/// <summary>
/// The official Durable Streams conformance suite (npm @durable-streams/server-conformance-tests 0.3.6), run by vitest
/// against the real runs service on a loopback port: the standalone service, and the dashboard as the README's run
/// command starts it (the embedded service, sample workload on), whose page middleware must not touch the protocol's
/// answers; and the standalone service on PostgreSQL (<c>Storage:Provider=PostgreSql</c>, a server the test starts). The
/// judge of our protocol implementation: nothing may fail on any.
/// </summary>
public sealed class ConformanceSuiteTests
{
    public static TheoryData<string> Deployments => ["standalone", "embedded", "postgresql"];

    [Theory]
    [MemberData(nameof(Deployments))]
    public async Task OfficialConformanceSuite_PassesWithNoFailures(string deployment)
    {
        var suiteDirectory = Path.Combine(RepoPaths.Root, "tests", "conformance");
        var vitest = Path.Combine(suiteDirectory, "node_modules", ".bin", "vitest");
        Assert.True(File.Exists(vitest), $"The suite's npm packages are missing: run `bash .ci/setup` (looked for {vitest}).");

        // The suite waits on long-polls that time out; it expects about half a second. Nothing else is changed.
        await using var server = deployment switch
        {
            "standalone" => new Server(await AppProcess.StartAsync("Dashboard.Runs",
                ["--Streams:DatabasePath", "{data}/streams.db", "--Streams:LongPollTimeoutMs", "500", "--Logging:LogLevel:Default", "Warning"])),
            "embedded" => new Server(await AppProcess.StartAsync("Dashboard", ["--Streams:LongPollTimeoutMs", "500"])),
            _ => await OnPostgreSqlAsync(),
        };
        var artifacts = RepoPaths.Artifacts("conformance");
        var report = Path.Combine(artifacts, $"vitest-report-{deployment}.json");
        File.Delete(report);
        var info = new ProcessStartInfo(vitest)
        {
            WorkingDirectory = suiteDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["run", "conformance.test.mjs", "--reporter=default", "--reporter=json", $"--outputFile.json={report}"])
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["CONFORMANCE_TEST_URL"] = server.BaseAddress.ToString().TrimEnd('/');
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var log = await output + await errors;
        await File.WriteAllTextAsync(Path.Combine(artifacts, $"vitest-output-{deployment}.txt"), log, TestContext.Current.CancellationToken);

        Assert.True(File.Exists(report), "vitest wrote no report:\n" + Tail(log));
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report, TestContext.Current.CancellationToken));
        var root = json.RootElement;
        var (passed, failed, skipped, total) = (
            root.GetProperty("numPassedTests").GetInt32(), root.GetProperty("numFailedTests").GetInt32(),
            root.GetProperty("numPendingTests").GetInt32() + root.GetProperty("numTodoTests").GetInt32(), root.GetProperty("numTotalTests").GetInt32());
        var summary = $"Durable Streams conformance, {deployment} (@durable-streams/server-conformance-tests 0.3.6): {passed} passed, {failed} failed, {skipped} skipped of {total}";
        await File.WriteAllTextAsync(Path.Combine(artifacts, $"summary-{deployment}.txt"), summary + "\n", TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage(summary);

        Assert.True(failed == 0, summary + "\n" + FailedTests(root));
        Assert.True(passed >= 332, summary);
    }

    private static async Task<Server> OnPostgreSqlAsync()
    {
        var postgres = await PostgresServer.StartAsync();
        var service = await AppProcess.StartAsync("Dashboard.Runs",
        [
            "--Storage:Provider", "PostgreSql", "--ConnectionStrings:Runs", await postgres.CreateDatabaseAsync("conformance"),
            "--Streams:LongPollTimeoutMs", "500", "--Logging:LogLevel:Default", "Warning",
        ]);
        return new Server(service, postgres);
    }

    /// <summary>What the suite runs against: an app process, and the database server it uses if any.</summary>
    private sealed class Server(AppProcess process, PostgresServer? postgres = null) : IAsyncDisposable
    {
        public Uri BaseAddress => process.BaseAddress;

        public async ValueTask DisposeAsync()
        {
            await process.DisposeAsync();
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
        }
    }

    private static string FailedTests(JsonElement root) => string.Join('\n',
        root.GetProperty("testResults").EnumerateArray()
            .SelectMany(file => file.GetProperty("assertionResults").EnumerateArray())
            .Where(test => test.GetProperty("status").GetString() == "failed")
            .Select(test => "  " + test.GetProperty("fullName").GetString()));

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;
}
