using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Dashboard.Model.Insights;

/// <summary>
/// What makes two failures "the same problem": the workflow, the failing step, the error's code (else its type) and its
/// message with the parts that vary per run (numbers, ids, UUIDs, hex, quoted strings, timestamps) replaced by
/// placeholders. "Card 4242 declined for order 'A-17'" and "Card 1881 declined for order 'B-9'" are one group.
/// </summary>
public static partial class FailureSignature
{
    /// <summary>The longest signature the service accepts as a filter (it gives 16 characters; longer is not one of its own).</summary>
    public const int MaxLength = 128;

    public static string Normalize(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return "";
        }
        var text = message.Length > 2000 ? message[..2000] : message;
        text = Timestamp().Replace(text, "<time>");
        text = Uuid().Replace(text, "<uuid>");
        text = Quoted().Replace(text, "<str>");
        text = Hex().Replace(text, "<hex>");
        text = IdLike().Replace(text, "<id>");
        text = Number().Replace(text, "<n>");
        return Spaces().Replace(text, " ").Trim();
    }

    /// <summary>A short stable id of the group (hex), the same on every instance and after a restart.</summary>
    public static string Of(string workflowId, string? stepId, string? codeOrType, string normalizedMessage)
    {
        var key = string.Join('\n', workflowId, stepId ?? "", codeOrType ?? "", normalizedMessage);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"'[^'\n]{0,200}'|""[^""\n]{0,200}""|`[^`\n]{0,200}`", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    /// <summary>0x-prefixed, or 8+ hex characters holding at least one digit and one letter (hashes, trace ids).</summary>
    [GeneratedRegex(@"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex Hex();

    /// <summary>Tokens mixing letters and digits with separators, such as ord_8f3k2, A-17, req-2291.</summary>
    [GeneratedRegex(@"\b(?=[\w-]*\d)[A-Za-z]+[-_][\w-]+\b", RegexOptions.CultureInvariant)]
    private static partial Regex IdLike();

    [GeneratedRegex(@"\d+(\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
