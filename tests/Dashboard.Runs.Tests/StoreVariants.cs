namespace Dashboard.Runs.Tests;

// The service's tests, once on each store: the same requests must get the same answers from SQLite (the embedded
// default) and PostgreSQL.
public sealed class SqliteFeedTests(RunsServiceFixture fixture) : FeedTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlFeedTests(PostgreSqlRunsServiceFixture fixture) : FeedTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteIngestionTests(RunsServiceFixture fixture) : IngestionTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlIngestionTests(PostgreSqlRunsServiceFixture fixture) : IngestionTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteInsightsTests(RunsServiceFixture fixture) : InsightsTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlInsightsTests(PostgreSqlRunsServiceFixture fixture) : InsightsTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteListFilterTests(RunsServiceFixture fixture) : ListFilterTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlListFilterTests(PostgreSqlRunsServiceFixture fixture) : ListFilterTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteStatusCountTests(RunsServiceFixture fixture) : StatusCountTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlStatusCountTests(PostgreSqlRunsServiceFixture fixture) : StatusCountTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteListTests(RunsServiceFixture fixture) : ListTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlListTests(PostgreSqlRunsServiceFixture fixture) : ListTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteReadTests(RunsServiceFixture fixture) : ReadTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlReadTests(PostgreSqlRunsServiceFixture fixture) : ReadTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteRedactionTests(RunsServiceFixture fixture) : RedactionTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlRedactionTests(PostgreSqlRunsServiceFixture fixture) : RedactionTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteSeedShapeTests(RunsServiceFixture fixture) : SeedShapeTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlSeedShapeTests(PostgreSqlRunsServiceFixture fixture) : SeedShapeTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteLogsTests(RunsServiceFixture fixture) : LogsTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlLogsTests(PostgreSqlRunsServiceFixture fixture) : LogsTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteCompareTests(RunsServiceFixture fixture) : CompareTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlCompareTests(PostgreSqlRunsServiceFixture fixture) : CompareTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteSearchTests(RunsServiceFixture fixture) : SearchTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlSearchTests(PostgreSqlRunsServiceFixture fixture) : SearchTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteTreeTests(RunsServiceFixture fixture) : TreeTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlTreeTests(PostgreSqlRunsServiceFixture fixture) : TreeTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteControlTests(RunsServiceFixture fixture) : ControlTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlControlTests(PostgreSqlRunsServiceFixture fixture) : ControlTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;

public sealed class SqliteOtlpLogsTests(RunsServiceFixture fixture) : OtlpLogsTests(fixture), IClassFixture<RunsServiceFixture>;
public sealed class PostgreSqlOtlpLogsTests(PostgreSqlRunsServiceFixture fixture) : OtlpLogsTests(fixture), IClassFixture<PostgreSqlRunsServiceFixture>;
