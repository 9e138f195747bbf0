using System.ComponentModel.DataAnnotations;

namespace Pax.Live.Server.Storage;

/// <summary>Where durable state lives.</summary>
public enum StorageProvider
{
    /// <summary>In memory: gone at restart (tests and demos only).</summary>
    Memory,
    /// <summary>An SQLite file under <c>Pax:DataDirectory</c>: the embedded single-node default.</summary>
    Sqlite,
    /// <summary>PostgreSQL: production, and required for more than one node.</summary>
    PostgreSql,
}

/// <summary>Storage settings, section <c>Pax:Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Storage";

    /// <summary>The provider.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>The connection string; for SQLite empty means <c>{DataDirectory}/pax.db</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply the schema scripts at start (idempotent). Operators can run them alone with the <c>migrate</c> command.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>How often a place's live state is snapshotted at most; a crash loses at most this much window data, never an alert.</summary>
    public TimeSpan SnapshotInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>On SQLite, writes meet the database one at a time through <see cref="SqliteWriteGate"/> (on by default; off only to compare).</summary>
    public bool SerializeSqliteWrites { get; set; } = true;

    /// <summary>
    /// On PostgreSQL, the most connections this node opens (Npgsql's <c>Maximum Pool Size</c>; every part of the node
    /// shares one pool). Empty: the connection string's own, or Npgsql's default of 100. See docs/scaling.md for the
    /// arithmetic against the server's <c>max_connections</c>.
    /// </summary>
    [Range(1, 10_000)]
    public int? MaxPoolSize { get; set; }

    /// <summary>The ADO.NET invariant name Orleans loads the provider's factory by.</summary>
    public string Invariant() => Provider switch
    {
        // Orleans names SQLite "System.Data.SQLite" and loads Microsoft.Data.Sqlite's factory for it.
        StorageProvider.Sqlite => "System.Data.SQLite",
        StorageProvider.PostgreSql => "Npgsql",
        _ => throw new InvalidOperationException("In-memory storage has no ADO.NET invariant."),
    };

    /// <summary>The folder of this provider's scripts in the app's output (<c>deploy/sql/…</c> is copied there).</summary>
    public string ScriptFolder => Path.Combine(AppContext.BaseDirectory, "sql", Provider == StorageProvider.Sqlite ? "sqlite" : "postgresql");

    /// <summary>The connection string to use, resolving the SQLite default under <paramref name="dataDirectory"/>.</summary>
    public string ResolveConnectionString(string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(ConnectionString))
        {
            return Provider == StorageProvider.PostgreSql && MaxPoolSize is { } pool
                ? new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = pool }.ConnectionString
                : ConnectionString;
        }

        if (Provider == StorageProvider.Sqlite)
        {
            Directory.CreateDirectory(dataDirectory);
            return $"Data Source={Path.Combine(dataDirectory, "pax.db")};Default Timeout=30";
        }

        throw new InvalidOperationException($"{Section}:{nameof(ConnectionString)} is required for {Provider}.");
    }
}
