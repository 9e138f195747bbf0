using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Server.Tests;

/// <summary>The lägesbild's writes (alert upserts) and reads (level changes, alerts) on PostgreSQL, not only SQLite.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReportPostgresTests(PostgresFixture postgres)
{
    [Fact]
    public async Task OnPostgreSqlAResolvedAlertAndTheLevelHoursComeBackInTheReport()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        await using var server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-report-pg"),
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString}",
            "--Pax:History:FlushEvery=00:00:00.200");
        await server.Start();
        var place = "rep-pg-" + Guid.NewGuid().ToString("N")[..6];
        var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Pg-torget", kind = "torg", area = "pg", latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var from = DateTimeOffset.UtcNow.AddMinutes(-30);
        await using (var device = await Device.Connect(server, "cam-rep-pg"))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var view = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        var id = view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString();
        Assert.True((await server.Http.PostAsync($"/api/alerts/{id}/acknowledge", null)).IsSuccessStatusCode);
        Assert.True((await server.Http.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { outcome = "confirmed", note = "Polis kallad" })).IsSuccessStatusCode);

        var url = $"/api/reports/lagesbild?format=json&area=pg&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"))}";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonElement report;
        while (true)
        {
            report = await server.Http.GetFromJsonAsync<JsonElement>(url);
            var alerts = report.GetProperty("alerts");
            var levels = report.GetProperty("places")[0].GetProperty("current").GetProperty("hours");
            if ((alerts.GetArrayLength() == 1 && alerts[0].GetProperty("outcome").ValueKind == JsonValueKind.String && levels.GetProperty("alert").GetDouble() > 0)
                || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(250);
        }

        var alert = Assert.Single(report.GetProperty("alerts").EnumerateArray());
        Assert.Equal(id, alert.GetProperty("alertId").GetString());
        Assert.Equal("confirmed", alert.GetProperty("outcome").GetString());
        Assert.True(alert.GetProperty("secondsToAcknowledged").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("secondsToOnSite").ValueKind);
        var hours = report.GetProperty("places")[0].GetProperty("current").GetProperty("hours");
        Assert.True(hours.GetProperty("alert").GetDouble() > 0, hours.ToString());
        // Hours run from when the place came into the catalogue (this test put it there seconds ago, after 'from') to
        // now (the period is not over): the test's own seconds, not the half hour before the place existed.
        Assert.InRange(hours.GetProperty("total").GetDouble() * 60, 0.001, 2);
    }
}
