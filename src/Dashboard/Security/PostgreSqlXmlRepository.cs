using System.Xml.Linq;
using Dashboard.Streams.Storage;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Dashboard.Security;

/// <summary>
/// The data-protection key ring in the PostgreSQL database the instances share: a session cookie or token protected by
/// one dashboard instance is read by every other (behind a proxy a browser may reach any of them after a restart). A key
/// an instance has not seen yet makes ASP.NET read the ring again, so keys made by another instance are picked up.
/// </summary>
internal sealed class PostgreSqlXmlRepository : IXmlRepository
{
    private static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE data_protection_keys (
            name text PRIMARY KEY,
            xml text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        """,
    ];

    private readonly NpgsqlDataSource _dataSource;

    public PostgreSqlXmlRepository(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        using var connection = _dataSource.OpenConnection();
        PostgreSqlSchema.Migrate(connection, "dashboard-keys", Migrations);
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = _dataSource.CreateCommand("SELECT xml FROM data_protection_keys ORDER BY created_at, name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = _dataSource.CreateCommand("INSERT INTO data_protection_keys (name, xml) VALUES (@name, @xml) ON CONFLICT (name) DO NOTHING");
        command.Parameters.AddWithValue("name", string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName);
        command.Parameters.AddWithValue("xml", element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
