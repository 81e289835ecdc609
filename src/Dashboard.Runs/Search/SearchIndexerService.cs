using Dashboard.Runs.Configuration;
using Dashboard.Runs.Storage;
using Microsoft.Extensions.Options;

namespace Dashboard.Runs.Search;

/// <summary>Catches the search index up with ingestion every <c>Runs:SearchIndexIntervalMs</c> (<see cref="SearchIndexer"/>).</summary>
internal sealed partial class SearchIndexerService(SearchIndexer indexer, IOptions<RunsOptions> options, ILogger<SearchIndexerService> logger)
    : BehindIngestionService(TimeSpan.FromMilliseconds(Math.Max(1, options.Value.SearchIndexIntervalMs)))
{
    protected override void CatchUp(CancellationToken cancellation) => indexer.CatchUpUnlessBusy(cancellation);

    // A search catches up by itself; the next tick tries again.
    protected override void LogFailed(Exception exception) => LogPassFailed(logger, exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The search index could not catch up with the stored documents")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
