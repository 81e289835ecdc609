using System.Globalization;
using System.Text.RegularExpressions;

namespace Dashboard.Streams.Core;

/// <summary>Strict parsing of the protocol's numeric and time header values.</summary>
public static partial class HeaderValues
{
    /// <summary>JavaScript's largest safe integer: producer epochs and sequences must fit in it.</summary>
    public const long MaxSafeInteger = 9_007_199_254_740_991;

    /// <summary>A non-negative decimal integer without sign, leading zeros, point or exponent ("0", "3600").</summary>
    public static bool TryParseCanonicalInteger(string? text, out long value)
    {
        value = 0;
        return text is { Length: > 0 and <= 16 } && CanonicalInteger().IsMatch(text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value <= MaxSafeInteger;
    }

    /// <summary>Producer integers: digits only, within the safe range (leading zeros tolerated, as clients pad).</summary>
    public static bool TryParseProducerInteger(string? text, out long value)
    {
        value = 0;
        return text is { Length: > 0 and <= 16 } && Digits().IsMatch(text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value <= MaxSafeInteger;
    }

    public static bool TryParseRfc3339(string? text, out DateTimeOffset value)
    {
        value = default;
        return text is { Length: <= 64 } && Rfc3339().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    public static string FormatRfc3339(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(0|[1-9][0-9]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex CanonicalInteger();

    [GeneratedRegex(@"^[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
