using System.Data.Common;

namespace Dashboard.Runs.Storage;

/// <summary>When a table derived from the runs is filled from the stored runs at start.</summary>
internal static class Backfill
{
    /// <summary>
    /// The runs are there and <paramref name="derivedTable"/> is empty: it was added after they were stored. Once it has a
    /// row, ingestion keeps it and a start leaves it alone.
    /// </summary>
    public static bool IsNeeded(DbTransaction transaction, string derivedTable)
    {
        using var probe = transaction.Connection!.CreateCommand();
        probe.Transaction = transaction;
        probe.CommandText = $"SELECT EXISTS (SELECT 1 FROM {derivedTable}), EXISTS (SELECT 1 FROM runs)";
        using var reader = probe.ExecuteReader();
        reader.Read();
        return !Convert.ToBoolean(reader.GetValue(0)) && Convert.ToBoolean(reader.GetValue(1));
    }
}
