using System.Buffers;
using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Dashboard.Runs.Storage;

/// <summary>
/// One write statement prepared once on the SQLite connection's handle and run with SQLite's own calls, its parameters
/// bound by position. Microsoft.Data.Sqlite looks every parameter up by name, converts its name and value, and makes a
/// reader for each run of a command; for the hundred-odd upserts of an ingested batch, run while the store's one writer
/// is held, that was about a tenth of the runs service's CPU. Values are read from the command's parameters, so the
/// statements' callers do not change; a value of a type this does not bind makes the caller run the command as before.
/// </summary>
internal sealed class SqlitePreparedStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly int _count;

    // For each of the command's parameters (by position in its collection), its index in the statement; made again when
    // the collection's size changes (a parameter added after the first run).
    private int[] _indexes = [];

    private SqlitePreparedStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
        _count = raw.sqlite3_bind_parameter_count(statement);
    }

    /// <summary>The statement of <paramref name="sql"/> on <paramref name="connection"/>; null when it holds more than one.</summary>
    public static SqlitePreparedStatement? TryPrepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement, out string tail);
        SqliteException.ThrowExceptionForRC(rc, db);
        if (!string.IsNullOrWhiteSpace(tail))
        {
            // Several statements in one text (schema scripts): Microsoft.Data.Sqlite runs them one after the other.
            statement.Dispose();
            return null;
        }
        return new SqlitePreparedStatement(db, statement);
    }

    /// <summary>Runs the statement with the values of <paramref name="parameters"/>; false (nothing run) when one is of a type not bound here.</summary>
    public bool TryRun(DbParameterCollection parameters)
    {
        if (_indexes.Length != parameters.Count)
        {
            _indexes = IndexesOf(parameters);
        }
        try
        {
            for (var i = 0; i < _indexes.Length; i++)
            {
                if (!TryBind(_indexes[i], parameters[i].Value))
                {
                    return false;
                }
            }
            var rc = raw.sqlite3_step(_statement);
            if (rc is not (raw.SQLITE_DONE or raw.SQLITE_ROW))
            {
                // The statement's own error (a constraint, a busy file) as Microsoft.Data.Sqlite would have raised it.
                raw.sqlite3_reset(_statement);
                SqliteException.ThrowExceptionForRC(rc, _db);
            }
            return true;
        }
        finally
        {
            raw.sqlite3_reset(_statement);
            // No value of this run is left for the next: every parameter is bound again each run, or is NULL.
            raw.sqlite3_clear_bindings(_statement);
        }
    }

    private int[] IndexesOf(DbParameterCollection parameters)
    {
        var indexes = new int[parameters.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            var name = parameters[i].ParameterName;
            indexes[i] = raw.sqlite3_bind_parameter_index(_statement, name);
            if (indexes[i] == 0)
            {
                throw new InvalidOperationException($"The statement has no parameter {name}.");
            }
        }
        if (indexes.Distinct().Count() != _count)
        {
            // As Microsoft.Data.Sqlite refuses it: a parameter left unbound would silently be NULL.
            throw new InvalidOperationException($"The statement has {_count} parameters; the command sets {indexes.Distinct().Count()}.");
        }
        return indexes;
    }

    // The types the writers set, bound as Microsoft.Data.Sqlite binds them (bool and integers as INTEGER, text as UTF-8;
    // Utf8Text as the TEXT it already is).
    private bool TryBind(int index, object? value)
    {
        var rc = value switch
        {
            null or DBNull => raw.sqlite3_bind_null(_statement, index),
            string text => BindText(index, text),
            Utf8Text text => raw.sqlite3_bind_text(_statement, index, text.Bytes.Span),
            long number => raw.sqlite3_bind_int64(_statement, index, number),
            int number => raw.sqlite3_bind_int64(_statement, index, number),
            bool flag => raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0),
            double number => raw.sqlite3_bind_double(_statement, index, number),
            byte[] bytes => raw.sqlite3_bind_blob(_statement, index, bytes),
            _ => -1,
        };
        if (rc == -1)
        {
            return false;
        }
        SqliteException.ThrowExceptionForRC(rc, _db);
        return true;
    }

    private int BindText(int index, string text)
    {
        // SQLite copies the bytes (SQLITE_TRANSIENT), so a rented buffer can go back at once.
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return raw.sqlite3_bind_text(_statement, index, buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _statement.Dispose();
}
