using System.Globalization;

namespace Dashboard.Model;

/// <summary>
/// A page's typed URL query values, read from their text. Bound as <c>int?</c> or <c>bool?</c>, a value that is not one
/// (<c>?attempt=abc</c>, a number past <see cref="int.MaxValue"/>, a link cut short by a portal) threw while the page
/// was prerendered, and the reader got the error page instead of the run; read here, it is as if it were not there.
/// </summary>
public static class UrlQueryValue
{
    /// <summary>The whole number <paramref name="text"/> spells (digits, an optional minus sign), else null.</summary>
    public static int? Integer(string? text) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>true</c> or <c>false</c> (any case), else null.</summary>
    public static bool? Boolean(string? text) => bool.TryParse(text, out var value) ? value : null;
}
