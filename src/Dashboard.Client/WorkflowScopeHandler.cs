using Dashboard.Model.Access;

namespace Dashboard.Client;

/// <summary>
/// Adds the <see cref="WorkflowScopeHeader"/> of the <see cref="RunsClient"/> making the call. The HTTP pipeline is
/// shared by every client of the process, so the scope travels with the call (an async-local value set by the client
/// for the duration of one call), not with the handler.
/// </summary>
internal sealed class WorkflowScopeHandler : DelegatingHandler
{
    private static readonly AsyncLocal<string?> CurrentScope = new();

    /// <summary>Set at the start of an async call; the value reverts when that call returns.</summary>
    public static string? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Current is { } scope)
        {
            request.Headers.Remove(WorkflowScopeHeader.Name);
            request.Headers.TryAddWithoutValidation(WorkflowScopeHeader.Name, scope);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
