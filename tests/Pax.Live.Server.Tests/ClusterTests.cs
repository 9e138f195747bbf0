using Npgsql;

namespace Pax.Live.Server.Tests;

/// <summary>Three nodes with ADO.NET clustering on PostgreSQL; one dies under load.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(PostgresFixture postgres)
{
    private static readonly string[] Places = ["stora-torget", "storgatan", "stadsparken", "resecentrum"];

    /// <summary>The token signing key the nodes of a test cluster share.</summary>
    public const string SigningKey = "cGF4LWNsdXN0ZXItdGVzdC1zaWduaW5nLWtleS0zMi1ieXRlcyE=";

    [Fact]
    public async Task WhenANodeDiesItsPlacesComeBackOnTheOthersAndNoStoredAlertIsLost()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        string[] cluster =
        [
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString}",
            "--Pax:Orleans:Clustering=PostgreSql",
            "--Pax:Orleans:ClusterId=pax-test",
            "--Pax:Orleans:Membership:ProbeTimeout=00:00:03",
            "--Pax:Orleans:Membership:NumMissedProbesLimit=3",
            "--Pax:Orleans:Membership:NumVotesForDeathDeclaration=1",
            "--Pax:Orleans:Membership:IAmAliveTablePublishTimeout=00:00:05",
            "--Pax:Orleans:Membership:TableRefreshTimeout=00:00:02",
            "--Pax:Auth:SigningKey=" + SigningKey,
        ];
        await using var a = new ServerProcess(ServerProcess.NewTempDirectory("pax-node-a"), cluster);
        await using var b = new ServerProcess(ServerProcess.NewTempDirectory("pax-node-b"), cluster);
        await using var c = new ServerProcess(ServerProcess.NewTempDirectory("pax-node-c"), cluster);
        await a.Start();
        await b.Start();
        await c.Start();
        Assert.Equal(3, await ActiveSilos(connectionString));

        // Alerts at every place, published to node C's broker: the places live wherever Orleans put them.
        await using (var device = await Device.Connect(c, "cam-cluster-c"))
        {
            foreach (var place in Places)
            {
                await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
            }
        }

        var alerts = new Dictionary<string, string>();
        foreach (var place in Places)
        {
            var view = await a.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
            alerts[place] = view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()!;
        }

        // Steady load into node A while node C dies.
        await using var loader = await Device.Connect(a, "cam-cluster-a");
        using var stop = new CancellationTokenSource();
        var sent = 0;
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var place in Places)
                {
                    await loader.Publish($"pax/v1/{place}/cam-2/signals", Device.Signals(Device.Now, ("people", 7)));
                    Interlocked.Increment(ref sent);
                }

                await Task.Delay(100);
            }
        });

        await Task.Delay(1000);
        await c.Stop(crash: true);
        var acceptedAtKill = (await a.Stats()).Accepted;

        // The membership table declares it dead.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await DeadSilos(connectionString, c.SiloPort) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "node C was never declared dead\n" + a.Output);
            await Task.Delay(500);
        }

        // Ingest goes on, and every place answers from a live node with its stored alert and fresh values.
        await a.WaitForStats(s => s.Accepted > acceptedAtKill + 20);
        foreach (var place in Places)
        {
            var view = await b.WaitForPlace(place, v =>
                v.GetProperty("openAlerts").GetArrayLength() == 1 && v.GetProperty("values").TryGetProperty("people", out _));
            Assert.Equal(alerts[place], view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString());
        }

        await stop.CancelAsync();
        await load;
        var final = await a.Stats();
        Assert.True(final.Accepted >= sent, $"node A accepted {final.Accepted} of the {sent} messages sent to it");
        Assert.Equal(0, final.Rejected["overload"]);
    }

    private static async Task<long> ActiveSilos(string connectionString) =>
        await Scalar(connectionString, "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = 'pax-test' AND status = 3");

    [Fact]
    public async Task AClusterNodeWithoutASigningKeyRefusesToStartAndSaysWhy()
    {
        await using var node = new ServerProcess(ServerProcess.NewTempDirectory("pax-nokey"),
            "--Pax:Orleans:Clustering=PostgreSql", "--Pax:Storage:Provider=PostgreSql", "--Pax:Storage:ConnectionString=Host=127.0.0.1;Port=1");
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(node.Start);
        Assert.Contains("Pax:Auth:SigningKey is required when clustering", failure.Message);
    }

    private static Task<long> DeadSilos(string connectionString, int siloPort) => DeadSilos(connectionString, "pax-test", siloPort);

    /// <summary>How many of the cluster's rows for <paramref name="siloPort"/> say Dead.</summary>
    public static async Task<long> DeadSilos(string connectionString, string clusterId, int siloPort) =>
        await Scalar(connectionString, $"SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = '{clusterId}' AND port = {siloPort} AND status = 6");

    /// <summary>One number from the database.</summary>
    public static async Task<long> Scalar(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
