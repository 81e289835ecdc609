using Dashboard.Runs.Storage;

namespace Dashboard.Runs.Tests;

/// <summary>
/// Queued PostgreSQL statements are sent with positional parameters (Npgsql parses a named statement's text at every
/// execution): the rewrite must bind each placeholder to its own value and touch nothing else in the text.
/// </summary>
public sealed class PositionalSqlTests
{
    private static readonly HashSet<string> Bound = ["run", "step", "body", "at"];

    private static PositionalSql Of(string sql) => PositionalSql.Of(sql, Bound.Contains);

    [Fact]
    public void NamedPlaceholders_BecomeNumbered_InTheOrderTheyFirstAppear_AndARepeatedOneKeepsItsNumber()
    {
        var positional = Of("INSERT INTO t (run_id, step_id, at) VALUES (@run, @step, @at) ON CONFLICT (run_id) DO UPDATE SET at = greatest(t.at, @at), step_id = @step");

        Assert.Equal("INSERT INTO t (run_id, step_id, at) VALUES ($1, $2, $3) ON CONFLICT (run_id) DO UPDATE SET at = greatest(t.at, $3), step_id = $2", positional.Sql);
        Assert.Equal(["run", "step", "at"], positional.Names);
    }

    [Theory]
    // Operators and names that are not the command's parameters.
    [InlineData("SELECT 1 WHERE words @@ q AND doc @> @body AND x = @other", "SELECT 1 WHERE words @@ q AND doc @> $1 AND x = @other")]
    // Literals, quoted identifiers, comments and dollar-quoted bodies are text, whatever they hold.
    [InlineData("SELECT '@run', 'it''s @run', \"@step\", @run -- the run's @step\n, @step", "SELECT '@run', 'it''s @run', \"@step\", $1 -- the run's @step\n, $2")]
    [InlineData("SELECT /* @run's */ @body, $$ @step $$", "SELECT /* @run's */ $1, $$ @step $$")]
    // A name that starts with a bound one is another name.
    [InlineData("SELECT @running, @run", "SELECT @running, $1")]
    public void OnlyTheCommandsPlaceholders_AreRewritten(string sql, string expected) =>
        Assert.Equal(expected, Of(sql).Sql);

    [Fact]
    public void AnUnclosedQuote_LeavesTheRestAsItIs()
    {
        Assert.Equal("SELECT $1, 'open @step", Of("SELECT @run, 'open @step").Sql);
    }
}
