using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Dashboard.Runs.Storage;

/// <summary>
/// Commands of the write connection, made once and run again for every batch: SQLite parses an upsert's text in about
/// as long as it takes to run it, and ingestion runs a few hundred of them a second while holding the write lock. A
/// command is made again when the transaction is on another connection (PostgreSQL's writes come from a pool).
/// Used by one writing thread at a time (one per thread: <see cref="RunRowStore"/>).
/// <para>
/// Batching (PostgreSQL): <see cref="Execute"/> queues the statement with its parameters' values as they are, and
/// <see cref="Flush"/> sends the queue in one round trip, each statement with positional parameters (<see cref="PositionalSql"/>). Every write of a batch's rows holds the lock that serialises
/// appends across instances; a round trip per statement would hold it a dozen times longer.
/// </para>
/// </summary>
internal sealed class StatementCache(bool batching = false) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    // SQLite: each command's statement, prepared on the connection's handle (null: a text of several statements).
    private readonly Dictionary<DbCommand, SqlitePreparedStatement?> _prepared = new(ReferenceEqualityComparer.Instance);
    private DbBatch? _pending;

    public DbCommand For(DbTransaction transaction, string sql)
    {
        if (!_commands.TryGetValue(sql, out var command) || command.Connection != transaction.Connection)
        {
            if (command is not null)
            {
                Forget(command);
            }
            command = transaction.Connection!.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Sets <c>@name</c> of a command that runs many times (adding it the first time); null is SQL NULL.</summary>
    public static void Set(DbCommand command, string name, object? value)
    {
        // Found by comparing without the '@', rather than making "@name" for each value set (a few hundred per batch).
        var parameters = command.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            var parameter = parameters[i];
            if (parameter.ParameterName.AsSpan(1).SequenceEqual(name))
            {
                parameter.Value = StorableText.Of(value) ?? DBNull.Value;
                return;
            }
        }
        command.With(name, value);
    }

    /// <summary>Sets several parameters at once (a statement whose rows come as arrays binds a column each).</summary>
    public static void Set(DbCommand command, params ReadOnlySpan<(string Name, object? Value)> values)
    {
        foreach (var (name, value) in values)
        {
            Set(command, name, value);
        }
    }

    /// <summary>Runs the statement now, or queues it (with its parameters' current values) when batching.</summary>
    public void Execute(DbCommand command)
    {
        if (!batching)
        {
            if (command is SqliteCommand { Connection: { } connection } && Prepared(command, connection) is { } prepared)
            {
                if (prepared.TryRun(command.Parameters))
                {
                    return;
                }
                // A value of a type bound only by Microsoft.Data.Sqlite: this command goes through it from now on, rather
                // than binding part of its values twice on every run.
                prepared.Dispose();
                _prepared[command] = null;
            }
            foreach (DbParameter parameter in command.Parameters)
            {
                if (parameter.Value is Utf8Text text)
                {
                    parameter.Value = text.ToString();
                }
            }
            command.ExecuteNonQuery();
            return;
        }
        _pending ??= command.Connection!.CreateBatch();
        _pending.BatchCommands.Add(Copy(_pending, command.CommandText, command.Parameters));
    }

    /// <summary>Sends the queued statements in <paramref name="transaction"/>, in the order they were queued.</summary>
    public void Flush(DbTransaction transaction)
    {
        if (_pending is not { } batch)
        {
            return;
        }
        _pending = null;
        using (batch)
        {
            batch.Connection = transaction.Connection;
            batch.Transaction = transaction;
            batch.ExecuteNonQuery();
        }
    }

    /// <summary>Hands the queued statements to <paramref name="target"/>, to be sent with its own, in the order they were queued.</summary>
    public void MoveTo(DbBatch target)
    {
        if (_pending is not { } batch)
        {
            return;
        }
        _pending = null;
        using (batch)
        {
            foreach (var command in batch.BatchCommands)
            {
                target.BatchCommands.Add(Copy(target, command.CommandText, command.Parameters));
            }
        }
    }

    private SqlitePreparedStatement? Prepared(DbCommand command, SqliteConnection connection)
    {
        if (!_prepared.TryGetValue(command, out var prepared))
        {
            prepared = SqlitePreparedStatement.TryPrepare(connection, command.CommandText);
            _prepared[command] = prepared;
        }
        return prepared;
    }

    private void Forget(DbCommand command)
    {
        if (_prepared.Remove(command, out var prepared))
        {
            prepared?.Dispose();
        }
        command.Dispose();
    }

    private static DbBatchCommand Copy(DbBatch batch, string sql, DbParameterCollection parameters)
    {
        var queued = batch.CreateBatchCommand();
        if (parameters.Count == 0 || parameters[0].ParameterName.Length == 0)
        {
            // No parameters, or positional already (queued before, now moved).
            queued.CommandText = sql;
            foreach (DbParameter parameter in parameters)
            {
                queued.Parameters.Add(CopyValue(queued, parameter));
            }
            return queued;
        }
        var positional = PositionalSql.Of(sql, name => IndexOf(parameters, name) >= 0);
        queued.CommandText = positional.Sql;
        foreach (var name in positional.Names)
        {
            queued.Parameters.Add(CopyValue(queued, parameters[IndexOf(parameters, name)]));
        }
        return queued;
    }

    // The parameter bound to @name (named with its '@', as DbCommandExtensions.With names them).
    private static int IndexOf(DbParameterCollection parameters, string name)
    {
        for (var i = 0; i < parameters.Count; i++)
        {
            var named = parameters[i].ParameterName;
            if (named.Length == name.Length + 1 && named.AsSpan(1).SequenceEqual(name))
            {
                return i;
            }
        }
        return -1;
    }

    // An unnamed copy of the parameter's value as it is now.
    private static DbParameter CopyValue(DbBatchCommand queued, DbParameter parameter)
    {
        var copy = queued.CreateParameter();
        switch (parameter.Value)
        {
            // Npgsql writes UTF-8 bytes to a text column as they are when told the value is text: the rows' JSON
            // (payloads and all) went UTF-8 → UTF-16 string → UTF-8 again, at twice its size in between.
            case Utf8Text text:
                copy.DbType = DbType.String;
                copy.Value = text.Bytes;
                break;
            case ReadOnlyMemory<byte> when parameter.DbType == DbType.String:
                // Queued already (MoveTo): still text.
                copy.DbType = DbType.String;
                copy.Value = parameter.Value;
                break;
            default:
                copy.Value = parameter.Value;
                break;
        }
        return copy;
    }

    /// <summary>Drops what was queued (its transaction failed).</summary>
    public void Discard()
    {
        _pending?.Dispose();
        _pending = null;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            Forget(command);
        }
        _commands.Clear();
    }
}
