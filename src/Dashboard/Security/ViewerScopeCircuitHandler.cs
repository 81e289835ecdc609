using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dashboard.Security;

/// <summary>Tells a new circuit's <see cref="ViewerScope"/> who opened it, before its pages render.</summary>
public sealed class ViewerScopeCircuitHandler(ViewerScope scope, AuthenticationStateProvider authentication) : CircuitHandler
{
    public override async Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken) =>
        scope.SetUser((await authentication.GetAuthenticationStateAsync()).User);
}
