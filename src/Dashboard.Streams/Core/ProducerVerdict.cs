namespace Dashboard.Streams.Core;

/// <summary>What an idempotent producer's claim means against what the stream knows of that producer.</summary>
public enum ProducerVerdictKind
{
    /// <summary>The next batch: store it, and remember its sequence number.</summary>
    Accepted,

    /// <summary>A resend of a batch already stored (same epoch, sequence already seen): answer as stored, store nothing.</summary>
    Duplicate,

    /// <summary>An older epoch than the stream's: a fenced-off producer.</summary>
    StaleEpoch,

    /// <summary>A new epoch must start at sequence 0.</summary>
    NewEpochNotAtZero,

    /// <summary>A sequence number was skipped.</summary>
    SequenceGap,
}

/// <summary>
/// The idempotent-producer rules of the Durable Streams protocol as one pure function: the engine applies it inside the
/// append's transaction; the runs service asks it before reducing a batch (a resend is answered without being reduced).
/// </summary>
public readonly record struct ProducerVerdict(ProducerVerdictKind Kind, long KnownEpoch, long ExpectedSeq, long ReceivedSeq)
{
    public static ProducerVerdict Of(ProducerClaim claim, ProducerState? known)
    {
        if (known is not null && claim.Epoch < known.Epoch)
        {
            return new(ProducerVerdictKind.StaleEpoch, known.Epoch, 0, claim.Seq);
        }
        if (known is not null && claim.Epoch == known.Epoch && claim.Seq <= known.LastSeq)
        {
            return new(ProducerVerdictKind.Duplicate, known.Epoch, known.LastSeq + 1, claim.Seq);
        }
        var newEpoch = known is null || claim.Epoch > known.Epoch;
        if (known is not null && newEpoch && claim.Seq != 0)
        {
            return new(ProducerVerdictKind.NewEpochNotAtZero, known.Epoch, 0, claim.Seq);
        }
        var expected = newEpoch ? 0 : known!.LastSeq + 1;
        return claim.Seq == expected
            ? new(ProducerVerdictKind.Accepted, known?.Epoch ?? claim.Epoch, expected, claim.Seq)
            : new(ProducerVerdictKind.SequenceGap, known?.Epoch ?? claim.Epoch, expected, claim.Seq);
    }
}
