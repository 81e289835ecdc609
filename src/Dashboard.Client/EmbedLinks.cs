using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Dashboard.Client;

/// <summary>
/// Signed embed links, minted by a portal's server and checked by the dashboard. The signature is
/// <c>base64url(HMAC-SHA256(key, scope + "\n" + exp))</c> (UTF-8, no padding) where <c>scope</c> is <c>run:{runId}</c>
/// for one run or <c>workflow:{workflowId}</c> for one workflow's list and its runs, and <c>exp</c> the expiry in Unix
/// seconds; the link carries <c>exp</c> and <c>sig</c> (and <c>wf</c> for a workflow's run) as query parameters. Any
/// language can mint one.
/// </summary>
public static class EmbedLinks
{
    /// <summary>The grant that lets a link's viewer act on its runs (cancel, resume, rerun); signed with the scope.</summary>
    public const string ActionsGrant = "actions";

    public static string RunScope(string runId, bool actions = false) => "run:" + runId + (actions ? "+" + ActionsGrant : "");

    public static string WorkflowScope(string workflowId, bool actions = false) => "workflow:" + workflowId + (actions ? "+" + ActionsGrant : "");

    /// <summary>
    /// A link to the chromeless list of one workflow's runs, valid until <paramref name="expires"/>; its runs open in
    /// the same frame under the same signature.
    /// </summary>
    public static Uri SignWorkflow(Uri dashboard, string workflowId, DateTimeOffset expires, string key, string? theme = null, string? timeZone = null,
        bool allowActions = false)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        ArgumentException.ThrowIfNullOrEmpty(workflowId);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var exp = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var query = $"exp={exp}&sig={Signature(WorkflowScope(workflowId, allowActions), exp, key)}" + Grant(allowActions) + Cosmetics(theme, timeZone);
        return new Uri(dashboard, $"embed/workflows/{Uri.EscapeDataString(workflowId)}?{query}");
    }

    /// <summary>A link to the chromeless view of one run, valid until <paramref name="expires"/>.</summary>
    /// <param name="dashboard">The dashboard's base address, e.g. https://runs.example.com/.</param>
    /// <param name="runId">The one run the link opens.</param>
    /// <param name="expires">When the link stops working.</param>
    /// <param name="key">The dashboard's <c>Embedding:SigningKey</c>.</param>
    /// <param name="theme">light or dark (not signed: cosmetic).</param>
    /// <param name="timeZone">An IANA time zone to show times in (not signed: cosmetic).</param>
    /// <param name="allowActions">Whether the link's viewer may cancel, resume and rerun the run (signed: an unsigned
    /// <c>grant</c> makes the link invalid).</param>
    public static Uri SignRun(Uri dashboard, string runId, DateTimeOffset expires, string key, string? theme = null, string? timeZone = null,
        bool allowActions = false)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        ArgumentException.ThrowIfNullOrEmpty(runId);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var exp = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var query = $"exp={exp}&sig={Signature(RunScope(runId, allowActions), exp, key)}" + Grant(allowActions) + Cosmetics(theme, timeZone);
        return new Uri(dashboard, $"embed/runs/{Uri.EscapeDataString(runId)}?{query}");
    }

    private static string Grant(bool actions) => actions ? "&grant=" + ActionsGrant : "";

    private static string Cosmetics(string? theme, string? timeZone) =>
        (theme is null ? "" : "&theme=" + Uri.EscapeDataString(theme)) + (timeZone is null ? "" : "&tz=" + Uri.EscapeDataString(timeZone));

    public enum Verdict
    {
        Valid,
        Missing,
        Malformed,
        Expired,
        BadSignature,
    }

    /// <summary>Checks a link's <paramref name="exp"/> and <paramref name="sig"/> for <paramref name="scope"/>, in constant time.</summary>
    public static Verdict Verify(string scope, string? exp, string? sig, string key, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(exp) || string.IsNullOrEmpty(sig))
        {
            return Verdict.Missing;
        }
        if (!long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || sig.Length > 128)
        {
            return Verdict.Malformed;
        }
        var expected = Encoding.ASCII.GetBytes(Signature(scope, exp, key));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(sig)))
        {
            return Verdict.BadSignature;
        }
        return DateTimeOffset.FromUnixTimeSeconds(seconds) <= now ? Verdict.Expired : Verdict.Valid;
    }

    private static string Signature(string scope, string exp, string key) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(scope + "\n" + exp)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
