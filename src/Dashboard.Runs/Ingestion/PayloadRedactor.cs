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

    public RunEvent Apply(RunEvent e) => e switch
    {
        RunStarted started => started with { Input = Redact(started.Input), Metadata = Redact(started.Metadata) },
        StepStarted started => started with { Input = Redact(started.Input) },
        StepCompleted completed => completed with { Output = Redact(completed.Output), MappedOutput = Redact(completed.MappedOutput) },
        StepFailed failed => failed with { Error = RedactError(failed.Error) },
        RunCompleted completed => completed with { Result = Redact(completed.Result) },
        RunFailed failed => failed with { Error = RedactError(failed.Error) },
        RunTimedOut timedOut => timedOut with { Error = RedactError(timedOut.Error) },
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

    private bool HasSecret(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Any(p => IsSecretKey(p.Name) || HasSecret(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Any(HasSecret),
        _ => false,
    };

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
