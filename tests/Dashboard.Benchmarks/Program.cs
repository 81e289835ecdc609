using Dashboard.Benchmarks;

// dotnet run -c Release --project tests/Dashboard.Benchmarks -- streams
var suite = args.FirstOrDefault() ?? "streams";
switch (suite)
{
    case "streams":
        await StreamsBenchmark.RunAsync();
        break;
    case "stores":
        await StoresBenchmark.RunAsync();
        break;
    case "store-reads":
        await StoreReadsBenchmark.RunAsync();
        break;
    case "ingest":
        await IngestBenchmark.RunAsync();
        break;
    case "ingest-retries":
        await RetriesBenchmark.RunAsync();
        break;
    case "ingest-open-runs":
        await OpenRunsBenchmark.RunAsync();
        break;
    case "ingest-payloads":
        await PayloadsBenchmark.RunAsync();
        break;
    case "runs":
        await RunsBenchmark.RunAsync();
        break;
    case "search":
        await SearchBenchmark.RunAsync();
        break;
    case "insights":
        await InsightsBenchmark.RunAsync();
        break;
    case "insights-wide":
        await WideFleetBenchmark.RunAsync();
        break;
    case "logs":
        await LogsBenchmark.RunAsync();
        break;
    case "otlp":
        await OtlpBenchmark.RunAsync();
        break;
    case "live":
        await LiveBenchmark.RunAsync(postgres: args.Contains("--postgresql"));
        break;
    case "run-page":
        await RunPageBenchmark.RunAsync(timesOnly: args.Contains("--times-only"), steps: Steps());
        break;
    case "run-page-by-type":
        // Not a benchmark: where a run-page circuit's memory goes, by type (for finding what to cut).
        await RunPageBenchmark.RunAsync(byType: true, steps: Steps());
        break;
    default:
        Console.Error.WriteLine($"Unknown benchmark '{suite}'. Known: streams, stores, store-reads, ingest, ingest-retries, ingest-open-runs, ingest-payloads, runs, insights, insights-wide, search, logs, otlp, live, run-page");
        return 2;
}
return 0;

int Steps() => args.SkipWhile(a => a != "--steps").Skip(1).Select(int.Parse).DefaultIfEmpty(10_000).First();
