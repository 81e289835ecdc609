using System.Data.Common;

namespace Dashboard.Runs.Storage;

/// <summary>Parameters through the provider-neutral ADO.NET types, so one query text serves SQLite and PostgreSQL.</summary>
internal static class DbCommandExtensions
{
    /// <summary>Adds <c>@name</c> (written without the <c>@</c>); null is sent as SQL NULL, text as the stores hold it (<see cref="StorableText"/>).</summary>
    public static DbCommand With(this DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        // Named with its '@': SQLite binds an unprefixed name by looking it up under every prefix it knows, four lookups
        // (each a scan of the statement's names) where one will do; under ingestion that was about a tenth of the CPU.
        parameter.ParameterName = Named(name);
        parameter.Value = StorableText.Of(value) ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return command;
    }

    /// <summary>The parameter's name as the statement writes it.</summary>
    public static string Named(string name) => "@" + name;

    /// <summary>Adds <c>column &gt;= @from</c> and <c>column &lt; @to</c> to <paramref name="where"/> for the bounds given (Unix milliseconds).</summary>
    public static void Within(this DbCommand command, List<string> where, string column, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } start)
        {
            where.Add($"{column} >= @from");
            command.With("from", start.ToUnixTimeMilliseconds());
        }
        if (to is { } end)
        {
            where.Add($"{column} < @to");
            command.With("to", end.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>
    /// <c>column IN (@prefix0, @prefix1, …)</c> with one parameter per value: both providers plan it with the index, where
    /// SQLite's <c>json_each</c> and PostgreSQL's <c>= ANY</c> would each need their own text. An empty set matches nothing.
    /// </summary>
    public static string In(this DbCommand command, string column, string prefix, IEnumerable<string> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = prefix + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            command.With(name, value);
            names.Add("@" + name);
        }
        return names.Count == 0 ? "1 = 0" : $"{column} IN ({string.Join(", ", names)})";
    }
}
