using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Pax.Live.Server.Storage;

/// <summary>
/// Applies the project's schema scripts (<c>deploy/sql/{sqlite|postgresql}/NNN-*.sql</c>) in name order, each in one
/// transaction, and records each with its content's hash: a script in place as it is is not run again, one edited since
/// is (so scripts are written to be safe to run again where the SQL allows). On PostgreSQL an advisory lock keeps two
/// nodes starting at once from applying them concurrently.
/// </summary>
public static class SchemaMigrator
{
    private const long AdvisoryLockKey = 0x5041584C495645; // "PAXLIVE"

    /// <summary>Applies every script not in place yet; returns the names of all, in place now.</summary>
    public static async Task<IReadOnlyList<string>> Apply(StorageOptions options, string connectionString, CancellationToken cancellationToken)
    {
        var scripts = Directory.GetFiles(options.ScriptFolder, "*.sql").Order(StringComparer.Ordinal).ToArray();
        if (scripts.Length == 0)
        {
            throw new FileNotFoundException($"No schema scripts in {options.ScriptFolder}.");
        }

        await using var connection = Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        if (options.Provider == StorageProvider.Sqlite)
        {
            // WAL lets readers and the one writer work at once; it is a property of the file, set once.
            await Execute(connection, null, "PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await Execute(connection, null, """
            CREATE TABLE IF NOT EXISTS pax_schema_scripts
            (
                name varchar(200) NOT NULL PRIMARY KEY,
                sha256 varchar(64) NOT NULL,
                applied_at varchar(40) NOT NULL
            );
            """, cancellationToken);

        var applied = new List<string>(scripts.Length);
        foreach (var path in scripts)
        {
            var name = Path.GetFileName(path);
            var text = await File.ReadAllTextAsync(path, cancellationToken);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (options.Provider == StorageProvider.PostgreSql)
            {
                await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({AdvisoryLockKey});", cancellationToken);
            }

            if (await AppliedHash(connection, transaction, name, cancellationToken) == hash)
            {
                // In place as it is: a script that adds a column (SQLite has no ADD COLUMN IF NOT EXISTS) runs once.
                applied.Add(name);
                continue;
            }

            try
            {
                await Execute(connection, transaction, text, cancellationToken);
            }
            catch (DbException ex)
            {
                throw new InvalidOperationException($"Schema script {name} failed: {ex.Message}", ex);
            }

            await Execute(connection, transaction, """
                INSERT INTO pax_schema_scripts (name, sha256, applied_at) VALUES (@name, @sha256, @appliedAt)
                ON CONFLICT (name) DO UPDATE SET sha256 = excluded.sha256, applied_at = excluded.applied_at;
                """, cancellationToken, ("name", name), ("sha256", hash), ("appliedAt", DateTimeOffset.UtcNow.ToString("O")));
            await transaction.CommitAsync(cancellationToken);
            applied.Add(name);
        }

        return applied;
    }

    private static async Task<string?> AppliedHash(DbConnection connection, DbTransaction transaction, string name, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT sha256 FROM pax_schema_scripts WHERE name = @name";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "name";
        parameter.Value = name;
        command.Parameters.Add(parameter);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Opens a connection of the provider's type.</summary>
    public static DbConnection Open(StorageProvider provider, string connectionString) => provider switch
    {
        StorageProvider.Sqlite => new SqliteConnection(connectionString),
        StorageProvider.PostgreSql => new NpgsqlConnection(connectionString),
        _ => throw new InvalidOperationException("In-memory storage has no database."),
    };

    private static async Task Execute(
        DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken, params (string Name, string Value)[] parameters)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Runs the migration at start, before the silo (hosted services start in registration order).</summary>
public sealed partial class SchemaMigration(StorageOptions options, string connectionString, ILogger<SchemaMigration> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await SchemaMigrator.Apply(options, connectionString, cancellationToken);
        LogApplied(logger, options.Provider.ToString(), applied.Count);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Information, "Storage: {Provider}, {Count} schema scripts applied")]
    private static partial void LogApplied(ILogger logger, string provider, int count);
}
