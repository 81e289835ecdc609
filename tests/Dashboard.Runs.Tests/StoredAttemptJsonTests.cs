using System.Text;
using System.Text.Json;
using Dashboard.Model.Json;
using Dashboard.Model.Runs;
using Dashboard.Runs.Projections;

namespace Dashboard.Runs.Tests;

/// <summary>
/// A stored latest attempt made into an earlier one (a retry came after its payloads were let go of): exactly what the
/// serialiser writes for that attempt without its count, whatever the payloads hold.
/// </summary>
public sealed class StoredAttemptJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheLatestAttemptsJson_LessItsCount_IsTheEarlierAttemptsJson_PayloadsUntouched()
    {
        var earlier = new StepTrace
        {
            StepId = "charge", Attempt = 1, Status = StepStatus.Failed, StartedAt = At, CompletedAt = At.AddSeconds(1), CostUsd = 0.0125m,
            InputContext = JsonDocument.Parse("""{"attemptCount":7,"note":"caf\u00e9 </script>","n":1.50}""").RootElement.Clone(),
            ErrorContext = new ErrorInfo { Code = "E502", Message = "upstream 502", Stack = "at Charge()", Data = JsonDocument.Parse("""{"attemptCount":3}""").RootElement.Clone() },
            WillRetry = true,
        };
        var stored = JsonSerializer.SerializeToUtf8Bytes(earlier with { AttemptCount = 1 }, ModelJson.Options);

        var made = StoredAttemptJson.AsEarlierAttempt(stored);

        Assert.Equal(Encoding.UTF8.GetString(JsonSerializer.SerializeToUtf8Bytes(earlier, ModelJson.Options)), Encoding.UTF8.GetString(made));
    }

    [Theory]
    [InlineData("""{"attemptCount":2,"stepId":"a"}""", """{"stepId":"a"}""")]
    [InlineData("""{"stepId":"a", "attemptCount" : 2 ,"attempt":1}""", """{"stepId":"a" ,"attempt":1}""")]
    [InlineData("""{"stepId":"a","attemptCount":2}""", """{"stepId":"a"}""")]
    [InlineData("""{"attemptCount":2}""", """{}""")]
    [InlineData("""{"stepId":"a","input":{"attemptCount":2}}""", """{"stepId":"a","input":{"attemptCount":2}}""")]
    public void OnlyTheTopLevelCountIsCutOut_WithTheCommaThatJoinedIt(string stored, string expected) =>
        Assert.Equal(expected, Encoding.UTF8.GetString(StoredAttemptJson.AsEarlierAttempt(Encoding.UTF8.GetBytes(stored))));
}
