using Dashboard.Testing;

// The PostgreSQL server of the tests on that store, started at first use and stopped after the last test.
[assembly: AssemblyFixture(typeof(SharedPostgres))]
