using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dashboard.Model.Events;
using Dashboard.Model.Runs;

namespace Dashboard.Runs.Ingestion;

/// <summary>
/// Masks the values of secret-looking keys (password, token, api_key, authorization, cookie, …) in every payload of an
/// event before it is stored, so no reader, export or screen can show them. The value becomes <see cref="Mask"/>, which
/// says that something was there. A key matches when, lower-cased without '-' and '_', it equals or ends with a pattern.
/// </summary>
public sealed partial class PayloadRedactor
{
    public const string Mask = "[redacted]";

    public static readonly string[] DefaultPatterns =
    [
        "password", "passwd", "pwd", "secret", "token", "apikey", "authorization", "auth", "cookie", "setcookie",
        "privatekey", "clientsecret", "credential", "credentials", "sessionid",
    ];

    private readonly string[] _patterns;

    public PayloadRedactor(IEnumerable<string>? patterns = null) =>
        _patterns = (patterns ?? DefaultPatterns).Select(Normalize).Where(p => p.Length > 0).Distinct().ToArray();

    /// <summary>The event with its secrets masked; the same instance when it has none (as almost every event).</summary>
    public RunEvent Apply(RunEvent e) => e switch
    {
        RunStarted started when HasSecret(started.Input) || HasSecret(started.Metadata) =>
            started with { Input = Redact(started.Input), Metadata = Redact(started.Metadata) },
        StepStarted started when HasSecret(started.Input) => started with { Input = Redact(started.Input) },
        StepCompleted completed when HasSecret(completed.Output) || HasSecret(completed.MappedOutput) =>
            completed with { Output = Redact(completed.Output), MappedOutput = Redact(completed.MappedOutput) },
        StepFailed failed when HasSecret(failed.Error?.Data) => failed with { Error = RedactError(failed.Error) },
        RunCompleted completed when HasSecret(completed.Result) => completed with { Result = Redact(completed.Result) },
        RunFailed failed when HasSecret(failed.Error?.Data) => failed with { Error = RedactError(failed.Error) },
        RunTimedOut timedOut when HasSecret(timedOut.Error?.Data) => timedOut with { Error = RedactError(timedOut.Error) },
        LogEvent log => log with { Message = RedactText(log.Message), Extra = RedactFields(log.Extra) },
        _ => e,
    };

    public bool IsSecretKey(string key)
    {
        var normalized = Normalize(key);
        foreach (var pattern in _patterns)
        {
            if (normalized.EndsWith(pattern, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// <see cref="IsSecretKey"/> on the property's name as it is in the payload, without making a string of it: a
    /// printable ASCII name without escapes (nearly all) is normalised on the stack; any other goes the string's way.
    /// </summary>
    private bool IsSecretName(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length > 256 || raw.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E) >= 0 || raw.Contains((byte)'\\'))
        {
            return IsSecretKey(property.Name);
        }
        Span<char> normalized = stackalloc char[raw.Length];
        var length = 0;
        foreach (var b in raw)
        {
            if (b is not ((byte)'-' or (byte)'_'))
            {
                normalized[length++] = (char)(b is >= (byte)'A' and <= (byte)'Z' ? b + ('a' - 'A') : b);
            }
        }
        foreach (var pattern in _patterns)
        {
            if (normalized[..length].EndsWith(pattern, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    public JsonElement? Redact(JsonElement? value)
    {
        if (value is not { } element || !HasSecret(element))
        {
            return value;
        }
        var node = JsonNode.Parse(element.GetRawText());
        MaskSecrets(node);
        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>A log line's own fields: a secret-looking key's value is masked, other values are redacted within.</summary>
    private Dictionary<string, JsonElement>? RedactFields(Dictionary<string, JsonElement>? fields) =>
        fields?.ToDictionary(p => p.Key, p => IsSecretKey(p.Key) ? JsonSerializer.SerializeToElement(Mask) : Redact(p.Value)!.Value);

    /// <summary>
    /// Free text (a log message): the value after a secret-looking key written as <c>key=value</c> or <c>key: value</c>
    /// is masked, e.g. <c>password=hunter2</c> becomes <c>password=[redacted]</c>.
    /// </summary>
    public string? RedactText(string? text)
    {
        if (string.IsNullOrEmpty(text) || (text.IndexOf('=') < 0 && text.IndexOf(':') < 0))
        {
            return text;
        }
        return KeyValue().Replace(text, match => IsSecretKey(match.Groups["key"].Value) ? match.Groups["lead"].Value + Mask : match.Value);
    }

    [System.Text.RegularExpressions.GeneratedRegex("""(?<lead>(?<key>[A-Za-z][\w-]*)["']?\s*[:=]\s*(?:Bearer\s+)?)(?<value>"[^"]*"|'[^']*'|[^\s,;&]+)""")]
    private static partial System.Text.RegularExpressions.Regex KeyValue();

    private ErrorInfo? RedactError(ErrorInfo? error) => error?.Data is null ? error : error with { Data = Redact(error.Data) };

    // Loops, not LINQ: this walks every payload of every event ingested, and a lambda over `this` is an allocation a call.
    private bool HasSecret(JsonElement? value)
    {
        if (value is not { } element)
        {
            return false;
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (IsSecretName(property) || HasSecret(property.Value))
                    {
                        return true;
                    }
                }
                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (HasSecret(item))
                    {
                        return true;
                    }
                }
                return false;
            default:
                return false;
        }
    }

    private void MaskSecrets(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (IsSecretKey(key))
                    {
                        obj[key] = Mask;
                    }
                    else
                    {
                        MaskSecrets(obj[key]);
                    }
                }
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    MaskSecrets(item);
                }
                break;
        }
    }

    private static string Normalize(string key) => key.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
