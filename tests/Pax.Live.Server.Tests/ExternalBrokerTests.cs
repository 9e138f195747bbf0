using System.Diagnostics;
using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace Pax.Live.Server.Tests;

/// <summary>
/// The scale-out shape: three nodes in one cluster on PostgreSQL take shares of one Mosquitto's stream (MQTT 5 shared
/// subscriptions); SignalR clients hear alerts of places whose grains live anywhere; the node holding the live fan-out's
/// directory, the alert feeds and a set of idle places dies. Every device has its own account at the broker, made
/// through the API by the nodes (Mosquitto's dynamic-security plugin). It runs alone (test.sh): its 2 s bound on how
/// late a client hears an alert measures the cluster, not a machine busy with other tests.
/// </summary>
[Collection(PostgresCollection.Name)]
[Trait("Category", "Alone")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ExternalBrokerTests(PostgresFixture postgres, Xunit.Abstractions.ITestOutputHelper output)
{
    private const string DirectoryHere = "The live-host directory is active on this node";
    private const int PoolSize = 8;
    private const double MaxLateSeconds = 2;

    [Fact]
    public async Task ThreeNodesShareOneBrokersStreamAndTheSurvivorsClientsMissNothingWhenTheDirectorysNodeDies()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        var places = Enumerable.Range(0, 12).Select(i => $"ext-{i}").ToArray();
        var idle = Enumerable.Range(0, 4).Select(i => $"idle-{i}").ToArray();
        var simulated = places.Select(p => $"sim-{p}-1").ToArray();
        await using var broker = await Mosquitto.StartWithDynamicSecurity();
        string[] node =
        [
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString}",
            "--Pax:Orleans:Clustering=PostgreSql",
            "--Pax:Orleans:ClusterId=pax-ext",
            "--Pax:Orleans:Membership:ProbeTimeout=00:00:03",
            "--Pax:Orleans:Membership:NumMissedProbesLimit=3",
            "--Pax:Orleans:Membership:NumVotesForDeathDeclaration=1",
            "--Pax:Orleans:Membership:IAmAliveTablePublishTimeout=00:00:05",
            "--Pax:Orleans:Membership:TableRefreshTimeout=00:00:02",
            "--Pax:Auth:SigningKey=" + ClusterTests.SigningKey,
            "--Pax:Orleans:ListenAddress=127.0.0.1",
            $"--Pax:Storage:MaxPoolSize={PoolSize}",
            "--Pax:Mqtt:Enabled=false",
            "--Pax:Mqtt:External:Host=127.0.0.1",
            $"--Pax:Mqtt:External:Port={broker.Port}",
            $"--Pax:Mqtt:External:Username={Mosquitto.NodeUser}",
            $"--Pax:Mqtt:External:Password={Mosquitto.NodePassword}",
            "--Pax:Mqtt:External:ReconnectDelay=00:00:00.500",
            "--Pax:Mqtt:External:DynamicSecurity=true",

            // Long enough to outlast the death of a node, short enough to see causes clear within the test.
            "--Pax:Levels:CauseHold=00:00:20",
        ];
        await using var a = new ServerProcess(ServerProcess.NewTempDirectory("pax-ext-a"), node);
        await using var b = new ServerProcess(ServerProcess.NewTempDirectory("pax-ext-b"), node);
        await using var c = new ServerProcess(ServerProcess.NewTempDirectory("pax-ext-c"), node);

        // Node A alone first: the live-host directory, the alert feeds and index, and the idle places' grains are all
        // activated there, the worst node to lose.
        await a.Start();
        Assert.Contains(DirectoryHere, a.Output);
        foreach (var place in idle)
        {
            await a.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", area = "ext", latitude = 59.3, longitude = 15.2 });
        }

        // Each place has its camera, provisioned through the API: the node makes its account at the broker, pinned to
        // its place and id.
        var cameras = new Dictionary<string, IMqttClient>();
        foreach (var place in idle)
        {
            cameras[place] = await Camera(a, broker.Port, place);
            await Publish(cameras[place], place, ("people", 1));
        }

        foreach (var place in idle)
        {
            await a.WaitForPlace(place, v => v.GetProperty("values").TryGetProperty("people", out _));
        }

        await b.Start();
        await c.Start();
        Assert.DoesNotContain(DirectoryHere, b.Output + c.Output);

        // The other places are defined with three nodes up: their grains go to every node.
        foreach (var place in places)
        {
            await b.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", area = "ext", latitude = 59.3, longitude = 15.2 });
            cameras[place] = await Camera(b, broker.Port, place);
        }

        // The broker itself refuses a camera's message for another place.
        var elsewhere = await cameras[places[0]].PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"pax/v1/{places[1]}/cam-{places[0]}/signals")
            .WithPayload(Device.Signals(Device.Now, ("people", 9))).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, elsewhere.ReasonCode);

        // Clients on the two nodes that survive.
        var (onB, _) = await LiveClient.Watch(b);
        await using var _1 = onB;
        var (onC, _) = await LiveClient.Watch(c);
        await using var _2 = onC;
        LiveClient[] watchers = [onB, onC];

        // Readings until every node has taken a share: each message goes to one node.
        ServerProcess[] nodes = [a, b, c];
        var before = await Task.WhenAll(nodes.Select(n => n.Stats()));
        var sent = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var to = places[sent % places.Length];
            await Publish(cameras[to], to, ("people", 3));
            sent++;
            var now = await Task.WhenAll(nodes.Select(n => n.Stats()));
            if (Enumerable.Range(0, 3).All(i => now[i].Accepted > before[i].Accepted) && sent >= 30)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "not every node took a share of the stream");
            await Task.Delay(50);
        }

        var shared = await WaitForTotal(nodes, before, sent);
        Assert.Equal(sent, shared);

        // The operator's settings hold: silo and gateway listen where they were told, and no node opens more
        // connections to PostgreSQL than its pool allows (the fixture's own sessions are in other databases).
        foreach (var n in nodes)
        {
            Assert.Equal(["127.0.0.1"], ListeningAddresses(n.SiloPort));
            Assert.Equal(["127.0.0.1"], ListeningAddresses(n.GatewayPort));
        }

        var connections = await ClusterTests.Scalar(connectionString, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        Assert.InRange(connections, 1, 3 * PoolSize);
        output.WriteLine($"{connections} PostgreSQL connections from three nodes with a pool of {PoolSize} each");

        // From here the edge agent's simulator publishes a device's day at every place as well (no incidents of its own,
        // so the alerts below are the test's), each simulated device with its own account at the broker.
        var secrets = new Dictionary<string, string>();
        foreach (var (place, simulatedDevice) in places.Zip(simulated))
        {
            secrets[simulatedDevice] = await Provision(c, simulatedDevice, place);
        }

        using var simulator = Simulator.Start(broker.Port, places, secrets);

        // Alerts at half the places are heard on B and C, wherever their grains live.
        foreach (var place in places[..6])
        {
            await Publish(cameras[place], place, ("impulse", 1));
        }

        foreach (var watcher in watchers)
        {
            foreach (var place in places[..6])
            {
                await watcher.WaitFor<AlertEvent>(e => e.PlaceId == place, TimeSpan.FromSeconds(30));
            }
        }

        // The idle places raise their alerts just before A dies, so that their causes are still open when it does.
        foreach (var place in idle)
        {
            await Publish(cameras[place], place, ("impulse", 1));
        }

        foreach (var watcher in watchers)
        {
            foreach (var place in idle)
            {
                await watcher.WaitFor<AlertEvent>(e => e.PlaceId == place, TimeSpan.FromSeconds(30));
            }
        }

        // Node A dies. In the next 20 seconds alerts are raised at the other places (their grains on every node, A's
        // coming back on B and C); the broker gives A's share to B and C, and no alert-grade message is lost.
        var killedAt = DateTime.UtcNow;
        await a.Stop(crash: true);
        var declared = WaitUntilDeclaredDead(connectionString, a.SiloPort);
        var published = new Dictionary<string, DateTime>();
        foreach (var place in places[6..])
        {
            await Publish(cameras[place], place, ("fire", 0.95));
            published[place] = DateTime.UtcNow;
            await Task.Delay(3_000);
        }

        var declaredAt = await declared;
        output.WriteLine($"killed at {killedAt:HH:mm:ss.fff}, declared dead at {declaredAt:HH:mm:ss.fff}");
        foreach (var watcher in watchers)
        {
            foreach (var place in places[6..])
            {
                try
                {
                    await watcher.WaitFor<AlertEvent>(e => e.PlaceId == place, TimeSpan.FromSeconds(60));
                }
                catch (TimeoutException)
                {
                    Assert.Fail($"{place}: never heard\n" + About(b, place) + "\n" + About(c, place) + "\nThe client heard:\n" + watcher.Trace + "\nThe other client heard:\n" + watchers.First(w => w != watcher).Trace);
                }
            }
        }

        // Every alert, once each, on both survivors, soon after it could be raised: after its publication, or after the
        // cluster knew that A was dead for those whose grains (or feed) were there. Usually within 2 s (docs/scaling.md
        // has the figures); the bound is looser because Orleans' own recovery after a death takes longer on a loaded
        // machine, and still far below the 30 s renewal that recovered the fan-out before. Taken in feed order: a
        // client takes a pushed event only when it follows the last one it took, and resumes for the rest. A feed that
        // started afresh (its grain was on A) sends its open alerts again under the new epoch: the same alert twice is
        // a resync, a second alert id for a place would be a duplicate alert.
        var latencies = new List<double>();
        foreach (var watcher in watchers)
        {
            Assert.Equal(places.Length, watcher.Of<AlertEvent>().Where(e => places.Contains(e.PlaceId)).Select(e => e.AlertId).Distinct().Count());
            Assert.Equal(places.Length, watcher.Of<AlertEvent>().Where(e => places.Contains(e.PlaceId)).Select(e => e.PlaceId).Distinct().Count());
            foreach (var place in places[6..])
            {
                var alert = watcher.Of<AlertEvent>().First(e => e.PlaceId == place);
                var from = published[place] > declaredAt ? published[place] : declaredAt;
                var late = (watcher.HeardAt(alert) - from).TotalSeconds;
                latencies.Add(late);
                output.WriteLine($"{place}: published {(published[place] - killedAt).TotalSeconds:F2} s after the kill, heard {(watcher.HeardAt(alert) - killedAt).TotalSeconds:F2} s after it");
                Assert.True(late <= MaxLateSeconds, $"{place}: heard {late:F1} s after it could be raised (published {(published[place] - killedAt).TotalSeconds:F1} s after the kill, A declared dead after {(declaredAt - killedAt).TotalSeconds:F1} s; killed at {killedAt:HH:mm:ss.fff})\n"
                    + Warnings(b) + "\n" + Warnings(c));
            }

            Assert.True(watcher.FeedInterruptions >= 1, "the client was not told that the feed was interrupted");
        }

        output.WriteLine($"A declared dead {(declaredAt - killedAt).TotalSeconds:F1} s after the kill; alerts heard after they could be raised: max {latencies.Max():F2} s, mean {latencies.Average():F2} s");

        // The idle places' grains were all on A, and nothing has touched them since their alerts: they come back by
        // themselves and tick, so their causes clear and their level falls after the cause hold, on both survivors' screens.
        foreach (var watcher in watchers)
        {
            foreach (var place in idle)
            {
                await watcher.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level != "alert" && watcher.HeardAt(s) > killedAt, TimeSpan.FromSeconds(60));
            }
        }

        // Their alerts stay open (someone must resolve them), with their causes cleared.
        foreach (var place in idle)
        {
            var alert = onB.Of<AlertEvent>().First(e => e.PlaceId == place);
            var stored = await b.Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/alerts/{alert.AlertId}");
            Assert.True(stored.GetProperty("causeCleared").GetBoolean(), stored.GetRawText());
            Assert.NotEqual("resolved", stored.GetProperty("state").GetString());
        }

        // The simulator's devices were heard at the places, through whichever node took their messages.
        Assert.False(simulator.HasExited, simulator.Output);
        var view = await b.WaitForPlace(places[0], v => v.GetProperty("devices").EnumerateArray().Any(d => d.GetProperty("deviceId").GetString() == simulated[0]));
        Assert.True(view.GetProperty("values").EnumerateObject().Any(), simulator.Output);

        // The database goes away: an alert raised meanwhile reaches both survivors' clients from what is durable on
        // the node that took it, no driver exception fails to cross a grain call, and the alert is stored once the
        // database is back.
        var outagePlace = places[1];
        await postgres.Server.StopServer();
        try
        {
            await Publish(cameras[outagePlace], outagePlace, ("fire", 0.9));
            foreach (var watcher in watchers)
            {
                await watcher.WaitFor<AlertEvent>(e => e.PlaceId == outagePlace && e.Kind == "fire", TimeSpan.FromSeconds(30));
            }
        }
        finally
        {
            await postgres.Server.StartServer();

            // This process's pooled connections died with the server.
            Npgsql.NpgsqlConnection.ClearAllPools();
        }

        var outageAlert = onB.Of<AlertEvent>().Single(e => e.PlaceId == outagePlace && e.Kind == "fire").AlertId;
        var storedBy = DateTime.UtcNow.AddSeconds(90);
        while (await ClusterTests.Scalar(connectionString, $"SELECT count(*) FROM pax_alert WHERE alert_id = '{outageAlert}'") == 0)
        {
            Assert.True(DateTime.UtcNow < storedBy, $"the alert raised during the outage was not stored after it");
            await Task.Delay(500);
        }

        Assert.DoesNotContain("CodecNotFoundException", b.Output + c.Output);

        foreach (var camera in cameras.Values)
        {
            camera.Dispose();
        }
    }

    /// <summary>The IPv4 addresses a TCP port listens on, from the kernel's table.</summary>
    private static string[] ListeningAddresses(int port) =>
    [
        .. File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[3] == "0A" && Convert.ToInt32(f[1].Split(':')[1], 16) == port)
            .Select(f => new System.Net.IPAddress(Convert.ToUInt32(f[1].Split(':')[0], 16)).ToString())
            .Distinct(),
    ];

    /// <summary>What a node said about a place and the fan-out, for a failure's message.</summary>
    private static string About(ServerProcess node, string place) => string.Join('\n', node.Output.Split('\n')
        .Where(l => l.Contains(place + ":", StringComparison.Ordinal) || l.Contains(place + " ", StringComparison.Ordinal)
            || l.Contains("ClusterRecovery", StringComparison.Ordinal) || l.Contains("AlertFeed", StringComparison.Ordinal) || l.Contains("directory", StringComparison.Ordinal))
        .Select(l => l.Length > 400 ? l[..400] : l)
        .Take(40));

    /// <summary>What a node said about the death, for a failure's message.</summary>
    private static string Warnings(ServerProcess node) => string.Join('\n', node.Output.Split('\n')
        .Where(l => l.Contains("warn", StringComparison.OrdinalIgnoreCase) || l.Contains("fail", StringComparison.OrdinalIgnoreCase) || l.Contains("Woke", StringComparison.Ordinal))
        .Take(60));

    private static async Task<DateTime> WaitUntilDeclaredDead(string connectionString, int siloPort)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ClusterTests.DeadSilos(connectionString, "pax-ext", siloPort) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "node A was never declared dead");
            await Task.Delay(100);
        }

        return DateTime.UtcNow;
    }

    /// <summary>Provisions a device for <paramref name="place"/> through <paramref name="node"/> and returns its secret.</summary>
    private static async Task<string> Provision(ServerProcess node, string deviceId, string place)
    {
        var response = await node.Http.PutAsJsonAsync($"/api/devices/{deviceId}", new { place });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("secret").GetString()!;
    }

    /// <summary>The camera of <paramref name="place"/> (device <c>cam-{place}</c>), provisioned and connected.</summary>
    private static async Task<IMqttClient> Camera(ServerProcess node, int brokerPort, string place)
    {
        var secret = await Provision(node, $"cam-{place}", place);
        var camera = new MqttClientFactory().CreateMqttClient();
        await camera.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", brokerPort)
            .WithClientId($"cam-{place}")
            .WithCredentials($"cam-{place}", secret)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .Build());
        return camera;
    }

    private static async Task Publish(IMqttClient device, string place, params (string Kind, double Value)[] signals)
    {
        var result = await device.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"pax/v1/{place}/cam-{place}/signals")
            .WithPayload(Device.Signals(Device.Now, signals))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.True(result.IsSuccess, $"publish to {place}: {result.ReasonCode}");
    }

    /// <summary>Waits until the nodes together accepted <paramref name="sent"/> more messages, and returns how many they did.</summary>
    private static async Task<long> WaitForTotal(ServerProcess[] nodes, StatsDocument[] before, int sent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var now = await Task.WhenAll(nodes.Select(n => n.Stats()));
            var total = Enumerable.Range(0, nodes.Length).Sum(i => now[i].Accepted - before[i].Accepted);
            if (total >= sent || DateTime.UtcNow > deadline)
            {
                // A little longer, to see a duplicate if there were one.
                await Task.Delay(500);
                now = await Task.WhenAll(nodes.Select(n => n.Stats()));
                return Enumerable.Range(0, nodes.Length).Sum(i => now[i].Accepted - before[i].Accepted);
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>The edge agent in simulator mode, as its own process (built with the solution), against a broker.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Simulator : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly System.Text.StringBuilder _output = new();

    private Simulator(Process process, string directory)
    {
        _process = process;
        _directory = directory;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static Simulator Start(int brokerPort, string[] places, IReadOnlyDictionary<string, string> secrets)
    {
        var agent = Repository.Program("edge/Pax.Live.Edge");
        if (!File.Exists(agent))
        {
            throw new FileNotFoundException("Build the solution first (the edge agent is part of it).", agent);
        }

        var directory = Directory.CreateTempSubdirectory("pax-sim-").FullName;
        var config = Path.Combine(directory, "edge.json");
        File.WriteAllText(config, System.Text.Json.JsonSerializer.Serialize(new
        {
            Edge = new
            {
                Mqtt = new { Host = "127.0.0.1", Port = brokerPort, ReconnectSeconds = 0.5 },
                Store = new { Directory = Path.Combine(directory, "outbox") },
                Simulator = new
                {
                    Enabled = true,
                    Places = places,
                    DevicesPerPlace = 1,
                    RateHz = 2,
                    IncidentsPerHour = 0,
                    Credentials = secrets.ToDictionary(d => d.Key, d => new { Username = d.Key, Password = d.Value }),
                },
            },
        }));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "exec", agent, "--config", config })
        {
            start.ArgumentList.Add(arg);
        }

        return new Simulator(Process.Start(start) ?? throw new InvalidOperationException("The simulator did not start."), directory);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
