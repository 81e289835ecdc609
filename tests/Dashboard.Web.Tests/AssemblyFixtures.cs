using Dashboard.Testing;

// The PostgreSQL server the tests on that store share (started by the first that needs it).
[assembly: AssemblyFixture(typeof(SharedPostgres))]
