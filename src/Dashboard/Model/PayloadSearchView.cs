using Dashboard.Client;
using Dashboard.Model.Search;

namespace Dashboard.Model;

/// <summary>
/// The list's "in payloads and logs" search: the hits read so far (a page at a time, "more" appending the next), and
/// the word a hit's page searches for in its viewer.
/// </summary>
public sealed class PayloadSearchView : IDisposable
{
    public const int PageSize = 25;

    private readonly ListLoadView<SearchPage> _load = new(page => page.Items.Count == 0);
    private readonly List<SearchHit> _hits = [];
    private (string Text, string? Workflow, DateTimeOffset? From, DateTimeOffset? To)? _query;

    public IReadOnlyList<SearchHit> Hits => _hits;
    public LoadState State => _hits.Count > 0 && _load.State == LoadState.Empty ? LoadState.Loaded : _load.State;
    public bool IsLoading => _load.IsLoading;
    public string? ErrorTitle => _load.ErrorTitle;
    public string? ErrorDetail => _load.ErrorDetail;
    public bool HasMore => _load.Page?.NextCursor is not null;

    /// <summary>
    /// The service answered from an index that had not caught up with the newest runs (it indexes behind ingestion, and a
    /// search waits for it only so long): matches stored in the last moments may be missing.
    /// </summary>
    public bool IndexBehind { get; private set; }

    /// <summary>A new search (a changed query) starts over; the same one is not read again.</summary>
    public async Task SearchAsync(IRunsClient client, string text, string? workflowId, DateTimeOffset? from, DateTimeOffset? to)
    {
        var query = (text, workflowId, from, to);
        if (_query == query && _load.State != LoadState.Failed)
        {
            return;
        }
        _query = query;
        _hits.Clear();
        IndexBehind = false;
        await _load.LoadAsync(token => client.SearchAsync(text, workflowId, from, to, null, PageSize, token));
        Take();
    }

    /// <summary>The same search read again from its first page (after an answer from an index that was behind).</summary>
    public Task SearchAgainAsync(IRunsClient client)
    {
        if (_query is not { } query)
        {
            return Task.CompletedTask;
        }
        _query = null;
        return SearchAsync(client, query.Text, query.Workflow, query.From, query.To);
    }

    public async Task MoreAsync(IRunsClient client)
    {
        if (_query is not { } query || _load.Page?.NextCursor is not { } cursor)
        {
            return;
        }
        await _load.LoadAsync(token => client.SearchAsync(query.Text, query.Workflow, query.From, query.To, cursor, PageSize, token));
        Take();
    }

    private void Take()
    {
        if (_load.State is not (LoadState.Loaded or LoadState.Empty) || _load.Page is not { } page)
        {
            return;
        }
        _hits.AddRange(page.Items);
        // The newest matches are the ones missing; whichever page said so (an empty one too), the search may lack them.
        IndexBehind |= page.IndexBehind;
    }

    /// <summary>
    /// What the hit's viewer searches for: the longest word or phrase of the query (the viewer finds one text; the
    /// longest is the most telling of the words that all matched).
    /// </summary>
    public static string FindTerm(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, "\"([^\"]*)\"?|(\\S+)")
            .Select(m => (m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).Trim())
            .Where(t => t.Any(char.IsLetterOrDigit))
            .MaxBy(t => t.Length) ?? text.Trim();

    /// <summary>Where in a run a hit is, in words: "step fetch · attempt 2 · iteration 3 · output".</summary>
    public static string Where(SearchHit hit)
    {
        var parts = new List<string>();
        if (hit.StepId is not null)
        {
            parts.Add($"step {hit.StepId}");
        }
        if (hit.LoopIndex is { } loop)
        {
            parts.Add($"iteration {loop}");
        }
        if (hit.Attempt is { } attempt)
        {
            parts.Add($"attempt {attempt}");
        }
        parts.Add(hit.Field switch
        {
            SearchFields.MappedOutput => "mapped output",
            SearchFields.RunInput => "run input",
            SearchFields.Result => "run result",
            SearchFields.Log => hit.LogSeq is { } seq ? $"log line {seq}" : "log",
            SearchFields.Error when hit.StepId is null => "run error",
            var field => field,
        });
        return string.Join(" · ", parts);
    }

    /// <summary>The snippet cut at its matches: each piece with whether it is one (rendered as text, the match marked).</summary>
    public static IReadOnlyList<(string Text, bool IsMatch)> Pieces(SearchHit hit)
    {
        var pieces = new List<(string, bool)>();
        var at = 0;
        foreach (var match in hit.Matches.OrderBy(m => m.Start))
        {
            // A service's ranges are trusted no further than the snippet they come with.
            if (match.Start < at || match.Length <= 0 || match.Start + match.Length > hit.Snippet.Length)
            {
                continue;
            }
            if (match.Start > at)
            {
                pieces.Add((hit.Snippet[at..match.Start], false));
            }
            pieces.Add((hit.Snippet.Substring(match.Start, match.Length), true));
            at = match.Start + match.Length;
        }
        if (at < hit.Snippet.Length)
        {
            pieces.Add((hit.Snippet[at..], false));
        }
        return pieces;
    }

    public void Dispose() => _load.Dispose();
}
