using System.Text.Json.Nodes;
using Dashboard.Runs.Access;
using Dashboard.Runs.Otlp;
using Dashboard.Runs.Otlp.Wire;
using Dashboard.Runs.Storage;
using Dashboard.Streams.Storage;

namespace Dashboard.Runs.Tests;

/// <summary>
/// OTLP log records that wait for their spans are kept in the store (offered, or parked by a stopped instance) until the
/// transaction that uses them: there is no moment at which a record is in neither place (a kill then lost it), and none
/// at which two instances own it.
/// </summary>
public sealed class OtlpOffersInTheStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("otlp-offers-").FullName;
    private readonly SqliteStreamStore _store;
    private readonly SqliteSearchFile _search;
    private readonly SqliteRunsDatabase _database;

    public OtlpOffersInTheStoreTests()
    {
        _store = new SqliteStreamStore(Path.Combine(_directory, "runs.db"));
        _search = new SqliteSearchFile(_store);
        _database = new SqliteRunsDatabase(_store, _search);
        _database.Write(transaction =>
        {
            OtlpSchema.Ensure((Microsoft.Data.Sqlite.SqliteConnection)transaction.Connection!, (Microsoft.Data.Sqlite.SqliteTransaction)transaction);
            return 0;
        });
    }

    private static List<OtlpLogHold.Waiting> Waiting(params string[] messages) =>
        new OtlpLogHold(TimeProvider.System, TimeSpan.FromSeconds(60)).Stamp(
            messages.Select(m => new OtlpLogRecord("trace-1", "span-1", null, DateTimeOffset.UtcNow, "info", m, new Dictionary<string, JsonNode?>(), $"otel:log:trace-1:{m}")),
            new Caller("engine", new HashSet<string> { Caller.IngestScope }, null));

    [Fact]
    public void AClaimThatCannotOfferWhatItTakes_TakesNothing()
    {
        var parked = new OtlpParkedLogs(_database);
        parked.Park(Waiting("first", "second"));

        Assert.Throws<InvalidOperationException>(() => parked.Claim(100, (_, _) => throw new InvalidOperationException("the offers' write failed")));

        Assert.True(parked.Any());
        var (claimed, unreadable) = parked.Claim(100, (transaction, items) => OtlpContentOffers.OfferIn(transaction, items));
        Assert.Equal(["first", "second"], claimed.Select(w => w.Record.Message));
        Assert.Equal(0, unreadable);
        Assert.False(parked.Any());
        // Offered in the same commit: an instance that takes orphans finds both (offered "since" they began to wait).
        var offers = Offers();
        Assert.Equal(["first", "second"], offers.ClaimOrphans(DateTimeOffset.UtcNow.AddMinutes(1), 100).Select(w => w.Record.Message));
    }

    private OtlpContentOffers Offers() => new(_database, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OtlpContentOffers>.Instance);

    private static DateTimeOffset Later => DateTimeOffset.UtcNow.AddMinutes(1);

    private static DateTimeOffset Earlier => DateTimeOffset.UtcNow.AddMinutes(-1);

    [Fact]
    public void ARecordTakenToBeUsed_ByAnInstanceKilledBeforeItsAppend_ComesBackAsAnOrphan()
    {
        var offers = Offers();
        var offered = offers.OfferOrKeep(Waiting("calling model"));
        Assert.All(offered, w => Assert.Equal(OfferState.Offered, w.Offer));

        var taken = offers.KeepOwned(offered);

        Assert.Equal(OfferState.Taken, Assert.Single(taken).Offer);
        // While its instance may still be using it, no other takes it: not as an orphan, nor as a span's content.
        Assert.Empty(offers.ClaimOrphans(Earlier, 100));
        Assert.Empty(offers.Claim("trace-1", ["span-1"]));
        Assert.Empty(Offers().KeepOwned(offered));
        // Its instance is killed before the append: once taken longer ago than anyone uses what they take, it is an orphan.
        var orphan = Assert.Single(offers.ClaimOrphans(Later, 100));
        Assert.Equal("calling model", orphan.Record.Message);
        Assert.Equal(OfferState.Taken, orphan.Offer);
    }

    [Fact]
    public void ARecordsOffer_GoesWithTheTransactionThatAppendsIt_AndStaysIfThatTransactionFails()
    {
        var offers = Offers();
        var taken = offers.KeepOwned(offers.OfferOrKeep(Waiting("first", "second")));
        var rows = OtlpRows.Using(OtlpContentOffers.KeysOf(taken));

        Assert.Throws<InvalidOperationException>(() => _database.Write<int>(transaction =>
        {
            using var statements = new StatementCache();
            OtlpRowWriter.Write(statements, transaction, "run-1", rows, runEnded: false);
            throw new InvalidOperationException("the append failed after the rows were written");
        }));
        Assert.Equal(["first", "second"], offers.ClaimOrphans(Later, 100).Select(w => w.Record.Message));

        _database.Write(transaction =>
        {
            using var statements = new StatementCache();
            OtlpRowWriter.Write(statements, transaction, "run-1", rows, runEnded: false);
            statements.Flush(transaction);
            return 0;
        });
        Assert.Empty(offers.ClaimOrphans(Later, 100));
    }

    [Fact]
    public void ARecordTakenThatWaitsOn_IsOfferedAgain_AndAParkedOneIsNoLongerOffered()
    {
        var offers = Offers();
        var taken = offers.KeepOwned(offers.OfferOrKeep(Waiting("first", "second")));

        // Its span has still not come: any instance may take it again (here as the content of the span it names).
        var waitsOn = offers.OfferOrKeep([taken[0]]);
        Assert.Equal(OfferState.Offered, Assert.Single(waitsOn).Offer);
        Assert.Equal("first", Assert.Single(Offers().Claim("trace-1", ["span-1"])).Record.Message);

        // The other is parked as its instance stops: in the parked table, no longer among the offers.
        var parked = new OtlpParkedLogs(_database);
        Assert.Equal(1, parked.Park([taken[1]]));
        Assert.DoesNotContain(offers.ClaimOrphans(Later, 100), w => w.Record.Message == "second");
        Assert.Equal("second", Assert.Single(parked.Claim(100).Claimed).Record.Message);
    }

    [Fact]
    public void AFileFromBeforeOffersWereTakenInPlace_IsUpgraded_ItsOffersKept()
    {
        var path = Path.Combine(_directory, "older.db");
        var (caller, record) = OtlpParkedLogs.ToJson(Waiting("offered before the upgrade")[0]);
        using (var older = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=false"))
        {
            older.Open();
            using var command = older.CreateCommand();
            command.CommandText = """
                CREATE TABLE otlp_content_offers (record_key TEXT PRIMARY KEY, trace_id TEXT NOT NULL, span_id TEXT NOT NULL,
                    since INTEGER NOT NULL, caller_json TEXT NOT NULL, record_json TEXT NOT NULL);
                INSERT INTO otlp_content_offers VALUES ('key-1', 'trace-1', 'span-1', 1000, @caller, @record);
                """;
            command.Parameters.AddWithValue("@caller", caller);
            command.Parameters.AddWithValue("@record", record);
            command.ExecuteNonQuery();
        }
        var store = new SqliteStreamStore(path);
        try
        {
            using var search = new SqliteSearchFile(store);
            var database = new SqliteRunsDatabase(store, search);
            for (var start = 0; start < 2; start++)
            {
                database.Write(transaction =>
                {
                    OtlpSchema.Ensure((Microsoft.Data.Sqlite.SqliteConnection)transaction.Connection!, (Microsoft.Data.Sqlite.SqliteTransaction)transaction);
                    return 0;
                });
            }
            var offers = new OtlpContentOffers(database, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OtlpContentOffers>.Instance);
            Assert.Equal("offered before the upgrade", Assert.Single(offers.ClaimOrphans(Later, 100)).Record.Message);
        }
        finally
        {
            store.Dispose();
        }
    }

    public void Dispose()
    {
        _search.Dispose();
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
