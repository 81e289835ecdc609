using Dashboard.Client;
using Dashboard.Model;
using Dashboard.Model.Search;
using Dashboard.Services;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>Hits of <c>GET /api/search</c> for the list's text and filters, newest first, a page at a time.</summary>
public sealed partial class PayloadSearch : IDisposable
{
    private readonly PayloadSearchView _view = new();

    [Parameter, EditorRequired]
    public string Text { get; set; } = "";

    [Parameter]
    public string? WorkflowId { get; set; }

    [Parameter]
    public DateTimeOffset? From { get; set; }

    [Parameter]
    public DateTimeOffset? To { get; set; }

    /// <summary>Where a hit leads; the run page at the hit's place unless the host says otherwise.</summary>
    [Parameter]
    public Func<SearchHit, string, string>? HitHref { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required TimeDisplay Time { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private DateTimeOffset Now => Clock.GetUtcNow();

    protected override Task OnParametersSetAsync() => SearchAsync();

    private Task SearchAsync() => _view.SearchAsync(Client, Text, WorkflowId, From, To);

    private Task MoreAsync() => _view.MoreAsync(Client);

    private Task SearchAgainAsync() => _view.SearchAgainAsync(Client);

    private string Href(SearchHit hit)
    {
        var find = PayloadSearchView.FindTerm(Text);
        return HitHref?.Invoke(hit, find) ?? DashboardUrls.SearchHit(hit, find);
    }

    public void Dispose() => _view.Dispose();
}
