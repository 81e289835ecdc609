using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Dashboard.Security;

public static class SignOutEndpoint
{
    /// <summary><c>POST /signout</c> (a form with the antiforgery token, so another site cannot sign anyone out): ends the session.</summary>
    public static IEndpointConventionBuilder MapSignOut(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(DashboardUrls.SignOutPath, async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return Results.BadRequest();
            }
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect(DashboardUrls.SignInPath);
        }).DisableAntiforgery();
}
