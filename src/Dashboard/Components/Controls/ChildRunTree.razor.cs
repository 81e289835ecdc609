using Dashboard.Client;
using Dashboard.Client.Errors;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>
/// The tree of a run's descendants (<c>GET /api/runs/{runId}/tree</c>): read two levels at a time, a deeper branch when
/// it is unfolded; read again when the run has news (a child started or ended), at most every two seconds.
/// </summary>
public sealed partial class ChildRunTree : IDisposable
{
    private static readonly TimeSpan Reread = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _disposed = new();
    private readonly Dictionary<string, RunTreeNode> _deeper = new(StringComparer.Ordinal);
    private readonly HashSet<string> _folded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _loading = new(StringComparer.Ordinal);
    private RunTreeNode? _tree;
    private string? _error;
    private string? _runId;
    private string? _version;
    private DateTimeOffset _readAt;

    [Parameter, EditorRequired]
    public string RunId { get; set; } = "";

    /// <summary>Changes when the run has news; the tree is read again then.</summary>
    [Parameter]
    public string? Version { get; set; }

    [Inject]
    public required IRunsClient Client { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        if (RunId != _runId)
        {
            (_runId, _version, _tree) = (RunId, Version, null);
            _deeper.Clear();
            _folded.Clear();
            await ReadAsync();
        }
        else if (Version != _version && Clock.GetUtcNow() - _readAt >= Reread)
        {
            _version = Version;
            await ReadAsync();
        }
    }

    private async Task ReadAsync()
    {
        _readAt = Clock.GetUtcNow();
        try
        {
            _tree = await Client.Run(RunId).TreeAsync(cancellationToken: _disposed.Token);
            _error = null;
        }
        catch (RunsClientException ex)
        {
            _error = $"The child runs could not be read: {Model.ListLoadView<RunTreeNode>.Describe(ex).Title}.";
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
    }

    private IEnumerable<RunTreeNode> ChildrenOf(RunTreeNode node) =>
        _deeper.TryGetValue(node.Run.Id, out var read) ? read.Children : node.Children;

    // Open unless folded: a branch whose children were not read yet opens by reading them.
    private bool IsOpen(RunTreeNode node) => !_folded.Contains(node.Run.Id) && (node.Children.Count > 0 || _deeper.ContainsKey(node.Run.Id) || _loading.Contains(node.Run.Id));

    private async Task ToggleAsync(RunTreeNode node)
    {
        var id = node.Run.Id;
        if (IsOpen(node))
        {
            _folded.Add(id);
            return;
        }
        _folded.Remove(id);
        if (node.Children.Count > 0 || _deeper.ContainsKey(id))
        {
            return;
        }
        _loading.Add(id);
        try
        {
            _deeper[id] = await Client.Run(id).TreeAsync(cancellationToken: _disposed.Token);
        }
        catch (RunsClientException ex)
        {
            _error = $"The children of {id} could not be read: {Model.ListLoadView<RunTreeNode>.Describe(ex).Title}.";
        }
        finally
        {
            _loading.Remove(id);
        }
    }

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
