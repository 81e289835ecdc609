using System.Text.Json;
using Dashboard.Model.Events;
using Dashboard.Runs.Search;

namespace Dashboard.Runs.Tests;

/// <summary>A payload's search text is the JSON as a person reads it, whichever way the engine wrote it.</summary>
public sealed class SearchRowsTests
{
    [Theory]
    // As the engine wrote it: nothing to undo, and the spaces it put between values kept.
    [InlineData("""{"tag":"<b>é</b>","n":1.50}""", """{"tag":"<b>é</b>","n":1.50}""")]
    [InlineData("""{"a": 1, "b": "c d"}""", """{"a": 1, "b": "c d"}""")]
    // Escapes undone, so that a word is not glued to its neighbour (\u003Cb\u003E would index as u003cb).
    [InlineData("""{"tag":"\u003Cb\u003E \u00e9 \/x"}""", """{"tag":"<b> é /x"}""")]
    // Laid out over lines: written compact, so that its indentation does not take up the characters indexed.
    [InlineData("{\n  \"a\": [\n    1,\n    \"x y\"\n  ]\n}", """{"a":[1,"x y"]}""")]
    [InlineData("{\r\n\t\"a\": true\r\n}", """{"a":true}""")]
    public void APayloadsSearchText_ReadsAsAPersonReadsIt(string payload, string indexed)
    {
        RunEvent[] events = [new StepStarted { Timestamp = DateTimeOffset.UnixEpoch, StepId = "s", Input = JsonDocument.Parse(payload).RootElement.Clone() }];

        var rows = SearchRows.OfEvents("run-1", "wf", 0, events, logsBefore: null, (_, _) => 1);

        Assert.Equal(indexed, Assert.Single(rows.Documents).Body);
    }
}
