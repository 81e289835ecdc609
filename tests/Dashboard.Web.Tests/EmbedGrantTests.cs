using Dashboard.Client;
using Dashboard.Configuration;
using Dashboard.Security;

namespace Dashboard.Web.Tests;

/// <summary>Embed links act on runs only with a signed actions grant.</summary>
public sealed class EmbedGrantTests
{
    private const string Key = "embed-signing-key-0123456789";
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly EmbeddingOptions Signed = new() { SigningKey = Key };

    private static (string? Exp, string? Sig, string? Grant) Parts(Uri link)
    {
        var query = System.Web.HttpUtility.ParseQueryString(link.Query);
        return (query["exp"], query["sig"], query["grant"]);
    }

    [Fact]
    public void ARunLink_ActsOnlyWhenSignedWithTheGrant()
    {
        var plain = Parts(EmbedLinks.SignRun(new Uri("https://runs.example/"), "run-1", Now.AddMinutes(5), Key));
        var granted = Parts(EmbedLinks.SignRun(new Uri("https://runs.example/"), "run-1", Now.AddMinutes(5), Key, allowActions: true));

        var without = EmbedAccess.Decide(Signed, true, false, "run-1", null, plain.Exp, plain.Sig, Now, plain.Grant);
        var with = EmbedAccess.Decide(Signed, true, false, "run-1", null, granted.Exp, granted.Sig, Now, granted.Grant);

        Assert.Null(plain.Grant);
        Assert.Equal("actions", granted.Grant);
        Assert.Equal(EmbedLinks.Verdict.Valid, without.Verdict);
        Assert.False(without.LinkAccess!.CanAct("wf-any"));
        Assert.Equal(EmbedLinks.Verdict.Valid, with.Verdict);
        Assert.True(with.LinkAccess!.CanAct("wf-any"));
        Assert.False(with.LinkAccess.Sees("run-2", "wf-any"));
    }

    [Fact]
    public void AGrantTheSignatureDoesNotCover_MakesTheLinkInvalid()
    {
        var plain = Parts(EmbedLinks.SignRun(new Uri("https://runs.example/"), "run-1", Now.AddMinutes(5), Key));

        var forged = EmbedAccess.Decide(Signed, true, false, "run-1", null, plain.Exp, plain.Sig, Now, EmbedLinks.ActionsGrant);

        Assert.Equal(EmbedLinks.Verdict.BadSignature, forged.Verdict);
        Assert.Null(forged.LinkAccess);
    }

    [Fact]
    public void AWorkflowLinkWithTheGrant_ActsOnThatWorkflowsRunsOnly()
    {
        var granted = Parts(EmbedLinks.SignWorkflow(new Uri("https://runs.example/"), "wf-billing", Now.AddMinutes(5), Key, allowActions: true));

        var access = EmbedAccess.Decide(Signed, true, false, null, "wf-billing", granted.Exp, granted.Sig, Now, granted.Grant).LinkAccess!;

        Assert.True(access.CanAct("wf-billing"));
        Assert.False(access.CanAct("wf-payroll"));
    }
}
