namespace Dashboard.Model;

/// <summary>Where a run id is cut when it does not fit (<c>RunIdText</c>): its last characters are kept whole.</summary>
public static class RunIdParts
{
    /// <summary>How many characters at the end stay: a run id's date-and-suffix tail, as the sample's and most engines' ids end.</summary>
    public const int TailLength = 8;

    /// <summary>The id as a head that may be cut and a tail that is not; null for an id short enough to show whole anyway.</summary>
    public static (string Head, string Tail)? Split(string? id)
    {
        if (id is null || id.Length <= TailLength + 4)
        {
            return null;
        }
        var at = id.Length - TailLength;
        if (char.IsLowSurrogate(id[at]))
        {
            // Never between the two halves of one character.
            at--;
        }
        return (id[..at], id[at..]);
    }
}
