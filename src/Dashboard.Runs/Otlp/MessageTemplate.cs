using System.Text;
using System.Text.Json.Nodes;

namespace Dashboard.Runs.Otlp;

/// <summary>
/// A log body that is a message template (<c>retrying {Url}</c>: what .NET's OpenTelemetry logging sends by default,
/// with each hole's value as an attribute of the same name) written out with its values. A hole without such an
/// attribute stays as it is; <c>{{</c> and <c>}}</c> are literal braces; alignment and format are not applied.
/// </summary>
internal static class MessageTemplate
{
    public static string Render(string template, IReadOnlyDictionary<string, JsonNode?> values)
    {
        if (!template.Contains('{', StringComparison.Ordinal) || values.Count == 0)
        {
            return template;
        }
        var text = new StringBuilder(template.Length + 32);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if ((c == '{' || c == '}') && i + 1 < template.Length && template[i + 1] == c)
            {
                text.Append(c);
                i++;
                continue;
            }
            var close = c == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close < 0)
            {
                text.Append(c);
                continue;
            }
            var hole = template.AsSpan(i + 1, close - i - 1);
            var nameEnd = hole.IndexOfAny(',', ':');
            var name = (nameEnd < 0 ? hole : hole[..nameEnd]).TrimStart('@').TrimStart('$').ToString();
            if (values.TryGetValue(name, out var value))
            {
                text.Append(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : (value is null ? "null" : OtlpValues.Text(value)));
                i = close;
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}
