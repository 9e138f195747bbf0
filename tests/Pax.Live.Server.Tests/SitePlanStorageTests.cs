using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Pax.Live.Server.Tests;

/// <summary>
/// Site plans are kept as the catalogue is: an admin's outlines and image come back after a restart, on SQLite and on
/// PostgreSQL alike, and the sample plans are stored at the first start only, never over an admin's changes.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SitePlanStorageTests(PostgresFixture postgres)
{
    private const string Outlines = """
        { "type": "FeatureCollection", "features": [
          { "type": "Feature", "properties": { "name": "Lagringsgatan", "kind": "street" },
            "geometry": { "type": "LineString", "coordinates": [[15.2100, 59.2740], [15.2160, 59.2770]] } }
        ] }
        """;

    private const string SoderCorners = "topLeft=59.2725,15.2255&topRight=59.2725,15.2345&bottomRight=59.2695,15.2345&bottomLeft=59.2695,15.2255";

    [Fact]
    public async Task OutlinesAndAnImageOnPostgreSqlComeBackAfterARestart()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        var data = ServerProcess.NewTempDirectory("pax-siteplan-pg");
        try
        {
            await using var server = new ServerProcess(data, "--Pax:Storage:Provider=PostgreSql", $"--Pax:Storage:ConnectionString={connectionString}");
            await PlansSurviveARestart(server);
            Assert.False(File.Exists(Path.Combine(data, "pax.db")), "The server made a SQLite database beside PostgreSQL.");

            // Both plans are rows of the grain storage table, the image's bytes in its payload.
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var rows = new NpgsqlCommand(
                "SELECT graintypestring, length(payloadbinary) FROM orleansstorage WHERE graintypestring ILIKE '%siteplan%' ORDER BY 2", connection);
            var stored = new List<(string Type, long Bytes)>();
            await using (var reader = await rows.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    stored.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }

            Assert.True(stored.Count == 2 && stored[1].Bytes > 2 * 1024 * 1024, "Stored site plan rows: " + string.Join(", ", stored));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task OutlinesAndAnImageOnSqliteComeBackAfterARestart()
    {
        var data = ServerProcess.NewTempDirectory("pax-siteplan-sqlite");
        try
        {
            await using var server = new ServerProcess(data);
            await PlansSurviveARestart(server);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task SamplePlansAreStoredAtTheFirstStartAndNeverOverAnAdminsChanges()
    {
        var data = ServerProcess.NewTempDirectory("pax-siteplan-seed");
        try
        {
            var samples = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "places", "sample-siteplans.json"))).RootElement;
            await using var server = new ServerProcess(data);
            await server.Start();
            Assert.Contains("stored 2 sample site plans", server.Output, StringComparison.Ordinal);

            var first = await Plans(server);
            Assert.Equal(["centrum", "soder"], first.Select(p => p.GetProperty("area").GetString()));
            foreach (var plan in first)
            {
                var area = plan.GetProperty("area").GetString()!;
                Assert.Equal("system", plan.GetProperty("updatedBy").GetString());
                Assert.Equal(FeatureNames(samples.GetProperty(area)), FeatureNames(plan.GetProperty("outlines")));
            }

            // The admin redraws centrum and removes soder's plan.
            Assert.Equal(HttpStatusCode.OK, (await server.Http.PutAsync("/api/areas/centrum/siteplan", new StringContent(Outlines, Encoding.UTF8, "application/geo+json"))).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await server.Http.DeleteAsync("/api/areas/soder/siteplan")).StatusCode);
            var changed = await server.Http.GetStringAsync("/api/areas/centrum/siteplan");

            for (var restart = 0; restart < 2; restart++)
            {
                await server.Stop();
                await server.Start();
                var after = await Plans(server);
                Assert.Equal(["centrum"], after.Select(p => p.GetProperty("area").GetString()));
                Assert.Equal(changed, await server.Http.GetStringAsync("/api/areas/centrum/siteplan"));
                Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/api/areas/soder/siteplan")).StatusCode);
            }

            Assert.Contains("stored 0 sample site plans", server.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Puts outlines for centrum and an image above the server's default request limit (1 MiB) for soder, restarts, reads both back.</summary>
    private static async Task PlansSurviveARestart(ServerProcess server)
    {
        await server.Start();
        var image = Png(2 * 1024 * 1024);
        var put = await server.Http.PutAsync("/api/areas/centrum/siteplan", new StringContent(Outlines, Encoding.UTF8, "application/geo+json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        put = await server.Http.PutAsync($"/api/areas/soder/siteplan?{SoderCorners}", content);
        Assert.True(put.StatusCode == HttpStatusCode.OK, $"{(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
        var centrum = await server.Http.GetStringAsync("/api/areas/centrum/siteplan");
        var soder = await server.Http.GetStringAsync("/api/areas/soder/siteplan");

        await server.Stop();
        await server.Start();

        Assert.Equal(centrum, await server.Http.GetStringAsync("/api/areas/centrum/siteplan"));
        Assert.Equal(soder, await server.Http.GetStringAsync("/api/areas/soder/siteplan"));
        var view = JsonDocument.Parse(soder).RootElement;
        Assert.Equal(["Lagringsgatan"], FeatureNames(JsonDocument.Parse(centrum).RootElement.GetProperty("outlines")));
        Assert.Equal("admin", view.GetProperty("updatedBy").GetString());
        var corners = view.GetProperty("image").GetProperty("corners");
        Assert.Equal(59.2695, corners.GetProperty("bottomLeft").GetProperty("latitude").GetDouble());
        Assert.Equal(15.2345, corners.GetProperty("topRight").GetProperty("longitude").GetDouble());

        using var stored = await server.Http.GetAsync(view.GetProperty("image").GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("image/png", stored.Content.Headers.ContentType?.MediaType);
        var back = await stored.Content.ReadAsByteArrayAsync();
        Assert.True(image.AsSpan().SequenceEqual(back), $"The image of {image.Length} bytes came back as {back.Length} other bytes.");
        Assert.Equal(["centrum", "soder"], (await Plans(server)).Select(p => p.GetProperty("area").GetString()));
    }

    private static async Task<JsonElement[]> Plans(ServerProcess server) =>
        (await server.Http.GetFromJsonAsync<JsonElement[]>("/api/siteplans"))!;

    private static string[] FeatureNames(JsonElement outlines) =>
        [.. outlines.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("name").GetString() ?? "")];

    /// <summary>A PNG signature followed by bytes that do not compress, as a photographed plan's would not.</summary>
    private static byte[] Png(int length)
    {
        var bytes = new byte[length];
        new Random(18).NextBytes(bytes);
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        signature.CopyTo(bytes, 0);
        return bytes;
    }
}
