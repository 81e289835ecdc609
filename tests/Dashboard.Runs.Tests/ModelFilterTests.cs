using Dashboard.Testing;
using Microsoft.Data.Sqlite;
using static Dashboard.Runs.Tests.Api;

namespace Dashboard.Runs.Tests;

/// <summary>
/// The executions list's model filter in the form a much-called model gets (the list walked in its order, each run
/// probed), on a service told that one run is many (<c>Runs:ModelFilterFewRuns</c> 1): the same runs, order, pages and
/// counts as the look-up form <see cref="ListFilterTests"/> covers.
/// </summary>
public sealed class ModelFilterTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("runs-model-filter-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Stores.Both), MemberType = typeof(Stores))]
    public async Task AModelManyRunsCalled_ListsItsRunsNewestFirst_InPages_WithTheirCounts(string store)
    {
        string[] args = [.. store == "sqlite" ? ["--Streams:DatabasePath", "{data}/runs.db"] : await Stores.ArgumentsAsync(store),
            "--Logging:LogLevel:Default", "Warning", "--Runs:ModelFilterFewRuns", "1"];
        await using var service = await AppProcess.StartAsync("Dashboard.Runs", args, _data);
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        var (model, workflow) = ($"model-{Guid.NewGuid():N}", $"wf-{Guid.NewGuid():N}");
        var called = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var id = $"mf-{i}-{Guid.NewGuid():N}";
            var calls = i % 2 == 0;
            await http.PostOkAsync(id, Batch(Started(workflow), StepStarted("step"), StepCompleted("step", model: calls ? model : "other-model"),
                i == 4 ? RunFailed() : RunCompleted()));
            if (calls)
            {
                called.Insert(0, id);
            }
        }

        var first = await http.GetJsonAsync($"api/runs?model={model}&limit=3&counts=true");
        var second = await http.GetJsonAsync($"api/runs?model={model}&limit=3&cursor={first.GetProperty("nextCursor").GetString()}");

        var listed = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(r => r.GetProperty("id").GetString());
        Assert.Equal(called, listed);
        Assert.False(second.TryGetProperty("nextCursor", out var next) && next.ValueKind == System.Text.Json.JsonValueKind.String);
        var counts = first.GetProperty("statusCounts");
        Assert.Equal((3, 1), (counts.GetProperty("completed").GetInt32(), counts.GetProperty("failed").GetInt32()));
        Assert.Equal([called[1]], (await http.GetJsonAsync($"api/runs?model={model}&status=failed")).GetProperty("items").EnumerateArray()
            .Select(r => r.GetProperty("id").GetString()));
    }
}
