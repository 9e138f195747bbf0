using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;

namespace Pax.Live.Server.Tests;

/// <summary>A real PostgreSQL cluster shared by the storage tests; each test gets its own database.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public PostgresServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await PostgresServer.Start();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>Nothing a control room relies on vanishes when the server restarts: on SQLite and on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StorageTests(PostgresFixture postgres)
{
    private static readonly string[] ProviderQueries =
    [
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task ACrashOnSqliteLosesNoPlaceThresholdAlertOrDevice()
    {
        var data = ServerProcess.NewTempDirectory("pax-restart");
        await using var server = new ServerProcess(data);
        await RestartKeepsEverything(server, crash: true);
        Assert.True(File.Exists(Path.Combine(data, "pax.db")));
    }

    [Fact]
    public async Task ARestartOnPostgreSqlLosesNoPlaceThresholdAlertOrDevice()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        await using var server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-restart-pg"),
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString}");
        await RestartKeepsEverything(server, crash: false);
    }

    [Fact]
    public async Task MigrationIsIdempotentAndInstallsEveryQueryTheProvidersNeed()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        for (var run = 0; run < 2; run++)
        {
            var (exit, output) = await Migrate("--Pax:Storage:Provider=PostgreSql", $"--Pax:Storage:ConnectionString={connectionString}");
            Assert.True(exit == 0, output);
            Assert.Contains("003-clustering.sql", output, StringComparison.Ordinal);
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT querykey FROM orleansquery", connection);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Empty(ProviderQueries.Except(keys));
        await using var scripts = new NpgsqlCommand("SELECT count(*) FROM pax_schema_scripts", connection);
        Assert.Equal(9L, await scripts.ExecuteScalarAsync());

        var sqlite = ServerProcess.NewTempDirectory("pax-migrate");
        var (sqliteExit, sqliteOutput) = await Migrate($"--Pax:DataDirectory={sqlite}");
        Assert.True(sqliteExit == 0, sqliteOutput);
        Assert.Contains("002-persistence.sql", sqliteOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMigrationThatCannotReachItsDatabaseFailsWithAClearMessage()
    {
        var (exit, output) = await Migrate("--Pax:Storage:Provider=PostgreSql", "--Pax:Storage:ConnectionString=Host=127.0.0.1;Port=1;Username=x;Timeout=2");
        Assert.Equal(1, exit);
        Assert.Contains("Migration failed", output, StringComparison.Ordinal);
    }

    private static async Task RestartKeepsEverything(ServerProcess server, bool crash)
    {
        await server.Start();
        var place = "restart-" + Guid.NewGuid().ToString("N")[..8];
        var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new
        {
            name = "Omstartstorget",
            kind = "torg",
            latitude = 59.27,
            longitude = 15.21,
            thresholds = new { people = 33, sound = 77, dwellSeconds = 12 },
        });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await using (var device = await Device.Connect(server, "cam-restart"))
        {
            await device.Publish($"pax/v1/{place}/cam-1/status", "online", retain: true);
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1), ("people", 5)));
        }

        var before = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        var alertId = before.GetProperty("openAlerts")[0].GetProperty("alertId").GetString();

        await server.Stop(crash);
        await server.Start();

        var after = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        Assert.Equal("Omstartstorget", after.GetProperty("name").GetString());
        Assert.Equal(33, after.GetProperty("thresholds").GetProperty("people").GetDouble());
        Assert.Equal(12, after.GetProperty("thresholds").GetProperty("dwellSeconds").GetInt32());
        Assert.Equal(alertId, after.GetProperty("openAlerts")[0].GetProperty("alertId").GetString());
        Assert.Equal("alert", after.GetProperty("level").GetString());
        Assert.Contains(after.GetProperty("devices").EnumerateArray(), d => d.GetProperty("deviceId").GetString() == "cam-1");
    }

    private static async Task<(int Exit, string Output)> Migrate(params string[] args)
    {
        var dll = Repository.ServerDll;
        var start = new ProcessStartInfo("dotnet", ["exec", Path.GetFullPath(dll), "migrate", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(dll))!,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
