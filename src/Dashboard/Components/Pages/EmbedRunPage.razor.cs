using Dashboard.Client;
using Dashboard.Configuration;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;

namespace Dashboard.Components.Pages;

/// <summary>
/// One run, chromeless, for a portal's iframe. With <c>Embedding:SigningKey</c> set, the link must carry a valid,
/// unexpired signature for this very run; otherwise the page refuses, and shows no data.
/// </summary>
public sealed partial class EmbedRunPage
{
    private EmbedLinks.Verdict _verdict = EmbedLinks.Verdict.Missing;

    [Parameter]
    public required string RunId { get; set; }

    [SupplyParameterFromQuery(Name = "exp")]
    public string? Expires { get; set; }

    [SupplyParameterFromQuery(Name = "sig")]
    public string? Signature { get; set; }

    [Inject]
    public required IOptions<EmbeddingOptions> Options { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    private string Reason => _verdict switch
    {
        EmbedLinks.Verdict.Expired => "The link has expired. Ask the portal for a new one.",
        EmbedLinks.Verdict.Missing => "The link is not signed.",
        _ => "The link is not valid for this run.",
    };

    protected override void OnParametersSet() =>
        _verdict = Options.Value.SigningKey is { Length: > 0 } key
            ? EmbedLinks.Verify(EmbedLinks.RunScope(RunId), Expires, Signature, key, Clock.GetUtcNow())
            : EmbedLinks.Verdict.Valid;
}
