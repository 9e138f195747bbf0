using System.Net.Http.Json;
using Microsoft.Data.Sqlite;

namespace Pax.Live.Server.Tests;

/// <summary>Someone floods the broker with signals for places that do not exist: counted, and nothing is made for them.</summary>
[Collection(ServerCollection.Name)]
public sealed class FloodTests(ServerFixture server)
{
    [Fact]
    public async Task SignalsForPlacesThatDoNotExistCreateNoGrainsAndNoRows()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var real = "real-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/places/{real}", new { name = "Verkliga torget", kind = "torg", latitude = 59.3, longitude = 15.2 });
        var before = (await server.Http.GetFromJsonAsync<StatsDocument>("/api/ingest/stats"))!;

        await using (var device = await Device.Connect(server, "flood-" + suffix))
        {
            for (var i = 0; i < 300; i++)
            {
                await device.Publish($"pax/v1/ghost-{suffix}-{i % 100}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1), ("people", 40)));
            }

            await device.Publish($"pax/v1/{real}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1), ("people", 40)));
        }

        var after = (await server.Http.GetFromJsonAsync<StatsDocument>("/api/ingest/stats"))!;
        Assert.Equal(before.Rejected["unknown_place"] + 300, after.Rejected["unknown_place"]);
        await server.WaitForPlace(real, v => v.GetProperty("level").GetString() == "alert");
        var places = await server.Http.GetStringAsync("/api/places");
        Assert.DoesNotContain("ghost-", places, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await server.Http.GetAsync($"/api/places/ghost-{suffix}-1")).StatusCode);

        // The real place reaches the database beyond the catalogue (its alert is stored when raised); nothing of the
        // ghosts does, in any table.
        var database = $"Data Source={Path.Combine(server.DataDirectory, "pax.db")};Mode=ReadOnly;Pooling=False";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (await Count(database, real) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "the real place never reached the database");
            await Task.Delay(250);
        }

        Assert.Equal(0, await Count(database, "ghost-" + suffix));
    }

    /// <summary>Rows in any table that mention <paramref name="text"/>, in a key, a column or a stored payload.</summary>
    private static async Task<long> Count(string connectionString, string text)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        long total = 0;
        foreach (var table in tables)
        {
            var columns = new List<string>();
            await using (var info = connection.CreateCommand())
            {
                info.CommandText = $"SELECT name FROM pragma_table_info('{table}')";
                await using var reader = await info.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    columns.Add(reader.GetString(0));
                }
            }

            await using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM \"{table}\" WHERE " + string.Join(" OR ", columns.Select(c => $"instr(CAST(\"{c}\" AS TEXT), @text) > 0"));
            count.Parameters.AddWithValue("@text", text);
            total += (long)(await count.ExecuteScalarAsync())!;
        }

        return total;
    }
}
