using System.Globalization;
using System.Text;
using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Model.Json;

namespace Dashboard.Model.Tests;

public sealed class RawJsonElementConverterTests
{
    private static StepStarted ParseStep(string input)
    {
        var batch = RunEventParser.ParseBatch(Encoding.UTF8.GetBytes(
            $$"""[{"type":"step_started","timestamp":"2026-12-07T00:00:00Z","stepId":"s","input":{{input}}}]"""));
        Assert.True(batch.IsValid, batch.Rejection?.ToString());
        return Assert.IsType<StepStarted>(Assert.Single(batch.Events));
    }

    [Fact]
    public void APayload_IsWrittenAsTheTextItWasReadFrom()
    {
        const string input = """{"city":"Z\u00fcrich","also":"Zürich","tag":"<b>\/</b>","path":"C:\\uD800","emoji":"\uD83D\uDE00","n":1.50,"e":-1E+3, "spaced" : [ 1 , 2 ]}""";

        var json = JsonSerializer.Serialize<RunEvent>(ParseStep(input), ModelJson.Options);

        Assert.Contains("\"input\":" + input, json, StringComparison.Ordinal);
    }

    /// <summary>
    /// Payloads of every kind, written the ways engines write them (escaped or not, spaced or not), read and written again:
    /// the text is kept byte for byte, and it is the same value as the serializer's own walk writes.
    /// </summary>
    [Fact]
    public void GeneratedPayloads_AreKeptAsWritten_AndAreTheValueTheWalkWrites()
    {
        var random = new Random(20261207);
        var walked = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        for (var i = 0; i < 3_000; i++)
        {
            var input = Generated.Value(random, depth: 0);
            if (input == "null")
            {
                // A null payload is no payload: the event leaves the field out.
                continue;
            }
            var step = ParseStep(input);

            var json = JsonSerializer.Serialize<RunEvent>(step, ModelJson.Options);

            Assert.Contains("\"input\":" + input, json, StringComparison.Ordinal);
            var read = JsonDocument.Parse(json).RootElement.GetProperty("input");
            var byTheWalk = JsonDocument.Parse(JsonSerializer.Serialize(step.Input, walked)).RootElement;
            Assert.True(JsonElement.DeepEquals(byTheWalk, read), input);
        }
    }

    [Theory]
    [InlineData("\"x\\uD800y\"")]
    [InlineData("\"\\uDE00\"")]
    [InlineData("\"\\uD83D\\u0041\"")]
    [InlineData("\"\\uD83D\"")]
    [InlineData("\"\\uD83D\\n\\uDE00\"")]
    [InlineData("{\"\\uDBFF\":1}")]
    [InlineData("[\"ok \\uD83D\\uDE00\",{\"deep\":[\"\\\\\\uDC00\"]}]")]
    public void HalfACharacter_IsRefused_NamingTheField(string input)
    {
        var batch = RunEventParser.ParseBatch(Encoding.UTF8.GetBytes(
            $$"""[{"type":"step_started","timestamp":"2026-12-07T00:00:00Z","stepId":"s","input":{{input}}}]"""));

        Assert.False(batch.IsValid);
        Assert.Equal("input", batch.Rejection!.Field);
        Assert.Contains("half of a character", batch.Rejection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("input", "{\"a\":\"x\xFFy\"}")]
    [InlineData("input", "{\"k\xFF\":1}")]
    [InlineData("input", "[\"ok\",{\"deep\":[\"\xC3\"]}]")]
    [InlineData("input", "\"\xED\xA0\x80\"")]
    [InlineData("stepId", "\"s\xFF\"")]
    public void BytesThatAreNotUtf8_AreRefused_NamingTheField(string field, string latin1)
    {
        // Each char of the test's text one byte: \xFF, a lone \xC3 (the start of two), \xED\xA0\x80 (a surrogate written as UTF-8).
        var value = Encoding.Latin1.GetBytes(latin1);
        var body = field == "input"
            ? [.. "[{\"type\":\"step_started\",\"timestamp\":\"2026-12-07T00:00:00Z\",\"stepId\":\"s\",\"input\":"u8, .. value, .. "}]"u8]
            : (byte[])[.. "[{\"type\":\"step_started\",\"timestamp\":\"2026-12-07T00:00:00Z\",\"stepId\":"u8, .. value, .. "}]"u8];

        var batch = RunEventParser.ParseBatch(body);

        Assert.False(batch.IsValid);
        Assert.Equal(field, batch.Rejection!.Field);
        Assert.Contains("not UTF-8", batch.Rejection.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"\\uD83D\\uDE00\"")]
    [InlineData("\"C:\\\\uD800\"")]
    [InlineData("\"\\\\\\\\uDE00 and \\uDBFF\\uDFFF\"")]
    [InlineData("{\"\\uD800\\uDC00\":\"\\uD7FF\\uE000\"}")]
    public void WholeCharacters_AndEscapedBackslashes_AreTaken(string input) =>
        Assert.Contains("\"input\":" + input, JsonSerializer.Serialize<RunEvent>(ParseStep(input), ModelJson.Options), StringComparison.Ordinal);

    [Fact]
    public void TextThatIsNotUtf8_IsWrittenAsTheWalkWritesIt()
    {
        // A parsed document lets a byte that is not UTF-8 through; the walk writes U+FFFD in its place, as it always did.
        var bytes = new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xFF, (byte)'"', (byte)'}' };
        using var document = JsonDocument.Parse(bytes);

        var json = JsonSerializer.Serialize(document.RootElement, ModelJson.Options);

        Assert.Equal("{\"a\":\"\\uFFFD\"}", json);
    }

    [Fact]
    public void IndentedOutput_LaysThePayloadOutWithTheRest()
    {
        using var document = JsonDocument.Parse("""{"a":[1,{"b":"é"}]}""");
        var indented = new JsonSerializerOptions(ModelJson.Options) { WriteIndented = true };

        var json = JsonSerializer.Serialize(new Dictionary<string, JsonElement> { ["p"] = document.RootElement }, indented);

        Assert.Equal(JsonSerializer.Serialize(new Dictionary<string, JsonElement> { ["p"] = document.RootElement },
            new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), json);
    }

    /// <summary>JSON text the ways engines write it.</summary>
    private static class Generated
    {
        private static readonly string[] Pieces =
        [
            "a", "Zürich", "\\u00e9", "\\u00E9", "é", "<script>", "\\u003C", "\\/", "/", "\\\"", "\\\\", "\\\\u0041", "\\n", "\\t", "\\u0000",
            "\\uD83D\\uDE00", "😀", "\\u2028", "日本", " ", "'", "&", "+", "\\b\\f\\r",
        ];

        private static readonly string[] Numbers = ["0", "-0", "1.50", "1E+3", "-2.5e-7", "12345678901234567890", "0.000", "3"];

        public static string Value(Random random, int depth)
        {
            var space = random.Next(4) == 0 ? " " : "";
            return (depth < 4 ? random.Next(7) : random.Next(4)) switch
            {
                0 => String(random),
                1 => Numbers[random.Next(Numbers.Length)],
                2 => random.Next(3) switch { 0 => "true", 1 => "false", _ => "null" },
                3 => String(random),
                4 or 5 => "{" + space + string.Join("," + space, Enumerable.Range(0, random.Next(4))
                    .Select(_ => String(random) + space + ":" + space + Value(random, depth + 1))) + space + "}",
                _ => "[" + space + string.Join("," + space, Enumerable.Range(0, random.Next(4)).Select(_ => Value(random, depth + 1))) + space + "]",
            };
        }

        private static string String(Random random) =>
            "\"" + string.Concat(Enumerable.Range(0, random.Next(5)).Select(_ => Pieces[random.Next(Pieces.Length)])) + "\"";
    }
}
