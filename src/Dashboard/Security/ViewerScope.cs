using System.Security.Claims;
using Dashboard.Client;
using Dashboard.Configuration;
using Microsoft.Extensions.Options;

namespace Dashboard.Security;

/// <summary>
/// Who is looking, per request and per circuit, and the runs client they read with: scoped to their workflows, so the
/// runs service itself leaves out what they may not see. A signed embed link replaces the viewer's access with the
/// link's own (the portal that minted it vouches for it).
/// </summary>
public sealed class ViewerScope(IServiceProvider services, IOptions<DashboardOptions> options)
{
    private readonly bool _signInRequired = options.Value.Authentication.RequiresSignIn;
    private WorkflowAccess? _userAccess;
    private WorkflowAccess? _linkAccess;

    public ClaimsPrincipal User { get; private set; } = new(new ClaimsIdentity());

    /// <summary>Until a user is known, nothing where sign-in is required: a slip in ordering shows too little, not too much.</summary>
    public WorkflowAccess Access => _linkAccess ?? (_userAccess ??= WorkflowAccess.Of(User, _signInRequired));

    public string? UserName => User.Identity?.IsAuthenticated == true ? User.Identity.Name : null;

    public void SetUser(ClaimsPrincipal user)
    {
        User = user;
        _userAccess = null;
    }

    public void UseLink(WorkflowAccess access) => _linkAccess = access;

    /// <summary>A client that sees what this viewer may see; take it after <see cref="UseLink"/>, not before.</summary>
    public IRunsClient Client
    {
        get
        {
            // Resolved when a page reads, not when the scope is made: every request has a scope, few of them read runs.
            var client = services.GetRequiredService<RunsClient>();
            return Access.Workflows is null ? client : client.ForWorkflows(Access.Workflows);
        }
    }
}
