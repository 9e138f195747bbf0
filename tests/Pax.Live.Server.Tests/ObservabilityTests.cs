using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pax.Live.Server.Tests;

/// <summary>The scrape endpoint shows our own instruments moving, and who may read it.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class MetricsTests(ServerFixture server)
{
    [Fact]
    public async Task MetricsShowSignalsByKindBatchesAndConnectionsAfterAPublish()
    {
        var first = await Scrape(server.Http);
        var before = Value(first, "pax_signals_total", "kind=\"people\"");
        var appliedBefore = Value(first, "pax_ingest_signals_applied_total", "");
        await using var device = await Device.Connect(server, "cam-metrics");
        await using var live = (await LiveClient.Watch(server, "stadsparken")).Client;
        await device.Publish("pax/v1/stadsparken/cam-metrics/signals", Device.Signals(Device.Now, ("people", 7), ("motion", 0.1)));

        // Handed to the place first, applied once its call has returned: both counts move.
        var text = await WaitForScrape(server.Http, t =>
            Value(t, "pax_signals_total", "kind=\"people\"") > before && Value(t, "pax_ingest_signals_applied_total", "") >= appliedBefore + 2);
        Assert.True(Value(text, "pax_signals_total", "kind=\"motion\"") >= 1);
        Assert.True(Value(text, "pax_ingest_batch_size_count", "") >= 1, text);
        Assert.Contains("pax_ingest_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.True(Value(text, "pax_signalr_connections", "") >= 1, text);
        Assert.Contains("pax_ingest_messages_rejected_total{", text, StringComparison.Ordinal);
        Assert.Contains("pax_mqtt_connections_refused_total{", text, StringComparison.Ordinal);
        Assert.Contains("pax_ingest_queue_depth{", text, StringComparison.Ordinal);

        // Orleans' own meters come along.
        Assert.Contains("orleans_", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAlertIsCountedAsRaisedAndARejectionByReason()
    {
        var first = await Scrape(server.Http);
        var raised = Value(first, "pax_alerts_transitions_total", "state=\"raised\"");
        var notJson = Value(first, "pax_ingest_messages_rejected_total", "reason=\"not_json\"");
        await using var device = await Device.Connect(server, "cam-metrics-alert");
        await device.Publish("pax/v1/resecentrum/cam-metrics-alert/signals", Device.Signals(Device.Now, ("impulse", 1)));
        await device.Publish("pax/v1/resecentrum/cam-metrics-alert/signals", "not json");

        await WaitForScrape(server.Http, t =>
            Value(t, "pax_alerts_transitions_total", "state=\"raised\"") > raised
            && Value(t, "pax_ingest_messages_rejected_total", "reason=\"not_json\"") > notJson);
    }

    [Fact]
    public async Task MetricsNeedAnAdminOnTheMainPortAndHealthNeedsNobody()
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);

        var ready = await anonymous.GetAsync("/readyz");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("broker").GetProperty("status").GetString());
    }

    internal static async Task<string> Scrape(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {text}");
        return text;
    }

    internal static async Task<string> WaitForScrape(HttpClient http, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var text = "";
        while (DateTime.UtcNow < deadline)
        {
            text = await Scrape(http);
            if (done(text))
            {
                return text;
            }

            // The exporter caches a scrape's answer briefly; ask again after that.
            await Task.Delay(500);
        }

        throw new TimeoutException("The metrics did not move:\n" + text);
    }

    /// <summary>The sum of the series of <paramref name="metric"/> whose labels contain <paramref name="label"/> (0 if none).</summary>
    internal static double Value(string scrape, string metric, string label)
    {
        var sum = 0.0;
        foreach (Match m in Series().Matches(scrape))
        {
            if (m.Groups["name"].Value == metric && m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            {
                sum += double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>[-+0-9.eE]+|NaN|\+Inf)( \d+)?$", RegexOptions.Multiline)]
    private static partial Regex Series();
}

/// <summary>
/// <c>/readyz</c> names the database and the broker but stays 200 (<c>Degraded</c>) when a dependency every node shares
/// is away: the node still serves from memory, and taking every pod out of rotation would leave nobody serving.
/// <c>/healthz</c> does not look at them at all.
/// </summary>
[Collection(PostgresCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReadinessTests(PostgresFixture postgres)
{
    [Fact]
    public async Task ReadyzStaysReadyButNamesTheDatabaseWhilePostgresIsDownAndMetricsHaveTheirOwnPort()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        var metricsPort = TestPorts.Claim();
        await using var server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-ready"),
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString};Timeout=3",
            $"--Pax:Metrics:Port={metricsPort}");
        await server.Start();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/readyz")).StatusCode);

        // On its own port the scrape needs no token, and the main port no longer answers it.
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        Assert.Contains("pax_ingest_messages_accepted_total", await MetricsTests.Scrape(scraper), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/metrics")).StatusCode);

        await postgres.Server.StopServer();
        try
        {
            var down = await WaitForReadiness(server.Http, HttpStatusCode.OK, "Degraded");
            Assert.Equal("Degraded", down.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
            Assert.Equal("Healthy", down.GetProperty("checks").GetProperty("broker").GetProperty("status").GetString());
            Assert.Equal("Healthy", down.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);
        }
        finally
        {
            await postgres.Server.StartServer();
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        await WaitForReadiness(server.Http, HttpStatusCode.OK, "Healthy");
    }

    [Fact]
    public async Task ReadyzNamesTheBrokerWhenTheExternalBrokerIsGoneAndTheDashboardIsForAdmins()
    {
        var broker = await Mosquitto.Start();
        await using var server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-ready-ext"),
            "--Pax:Storage:Provider=Memory",
            "--Pax:Mqtt:Enabled=false",
            "--Pax:Mqtt:External:Host=127.0.0.1",
            $"--Pax:Mqtt:External:Port={broker.Port}",
            $"--Pax:Mqtt:External:Username={Mosquitto.NodeUser}",
            $"--Pax:Mqtt:External:Password={Mosquitto.NodePassword}",
            "--Pax:Mqtt:External:ReconnectDelay=00:00:00.500",
            "--Pax:Dashboard:Enabled=true");
        try
        {
            await server.Start();
            await WaitForReadiness(server.Http, HttpStatusCode.OK);
            using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/dashboard")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/dashboard/")).StatusCode);
        }
        finally
        {
            await broker.DisposeAsync();
        }

        var down = await WaitForReadiness(server.Http, HttpStatusCode.OK, "Degraded");
        Assert.Equal("Degraded", down.GetProperty("checks").GetProperty("broker").GetProperty("status").GetString());
    }

    private static async Task<JsonElement> WaitForReadiness(HttpClient http, HttpStatusCode wanted, string? status = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var body = "";
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync("/readyz");
            body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == wanted)
            {
                using var json = JsonDocument.Parse(body);
                if (status is null || json.RootElement.GetProperty("status").GetString() == status)
                {
                    return json.RootElement.Clone();
                }
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"/readyz did not become {wanted} {status}: {body}");
    }
}
