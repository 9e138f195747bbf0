using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Pax.Live.Server.Tests;

/// <summary>A node in front of Mosquitto with its dynamic-security plugin: the node keeps the devices' accounts there.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
#pragma warning disable CA1001 // xunit disposes fixtures through IAsyncLifetime.DisposeAsync.
public sealed class DynamicSecurityFixture : IAsyncLifetime
{
    public Mosquitto Broker { get; private set; } = null!;

    public ServerProcess Server { get; private set; } = null!;

#pragma warning restore CA1001
    public async Task InitializeAsync()
    {
        Broker = await Mosquitto.StartWithDynamicSecurity();
        Server = new ServerProcess(ServerProcess.NewTempDirectory("pax-dynsec"),
            "--Pax:Mqtt:Enabled=false",
            "--Pax:Mqtt:External:Host=127.0.0.1",
            $"--Pax:Mqtt:External:Port={Broker.Port}",
            $"--Pax:Mqtt:External:Username={Mosquitto.NodeUser}",
            $"--Pax:Mqtt:External:Password={Mosquitto.NodePassword}",
            "--Pax:Mqtt:External:DynamicSecurity=true",
            "--Pax:Mqtt:External:ReconnectDelay=00:00:00.500",
            "--Pax:Mqtt:External:ControlTimeout=00:00:02",
            "--Pax:Mqtt:MessagesPerSecond=0.5",
            "--Pax:Mqtt:Burst=5");
        await Server.Start();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Server.DataDirectory, recursive: true);
        await Broker.DisposeAsync();
    }
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DynamicSecurityTests(DynamicSecurityFixture fixture, ITestOutputHelper output) : IClassFixture<DynamicSecurityFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private ServerProcess Server => fixture.Server;

    private Mosquitto Broker => fixture.Broker;

    [Fact]
    public async Task AProvisionedDeviceConnectsAtOnceAndPublishesForItsOwnPlaceOnly()
    {
        var place = await Place();
        var other = await Place();
        var (device, secret) = await Provision(place);

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await Refusal(device, "not-the-secret"));
        using var client = await Connect(device, secret);
        Assert.True(IsAccepted(await Publish(client, $"pax/v1/{place}/{device}/signals", People(7))));
        await Server.WaitForPlace(place, v => v.GetProperty("values").TryGetProperty("people", out var p) && p.GetDouble() == 7);

        // The broker itself refuses another place and another device's id: they never reach a node.
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await Publish(client, $"pax/v1/{other}/{device}/signals", People(9))).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await Publish(client, $"pax/v1/{place}/cam-someone-else/signals", People(9))).ReasonCode);
        Assert.True(IsAccepted(await Publish(client, $"pax/v1/{place}/{device}/status", "online")));
        var view = await Server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{other}");
        Assert.False(view.GetProperty("values").TryGetProperty("people", out _));
    }

    [Fact]
    public async Task ProvisioningAgainVoidsTheOldSecretAndDropsItsConnection()
    {
        var place = await Place();
        var (device, first) = await Provision(place);
        using var client = await Connect(device, first);
        var dropped = Dropped(client);

        var (_, second) = await Provision(place, device);
        await dropped.WaitAsync(Patience);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await Refusal(device, first));
        using var again = await Connect(device, second);
        Assert.True(IsAccepted(await Publish(again, $"pax/v1/{place}/{device}/signals", People(3))));
    }

    [Fact]
    public async Task RevokingRemovesTheAccountAndDropsTheConnection()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        using var client = await Connect(device, secret);
        var dropped = Dropped(client);

        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.DeleteAsync($"/api/devices/{device}")).StatusCode);
        await dropped.WaitAsync(Patience);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await Refusal(device, secret));
        Assert.DoesNotContain(device, await BrokerDevices());
        var listed = await Server.Http.GetFromJsonAsync<JsonElement[]>("/api/devices");
        Assert.NotEqual(JsonValueKind.Null, listed!.Single(d => d.GetProperty("deviceId").GetString() == device).GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task ADeviceThatFloodsIsHeldToItsBudgetAndTheRestIsCounted()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        using var client = await Connect(device, secret);
        var before = await Stats();

        for (var i = 0; i < 100; i++)
        {
            Assert.True(IsAccepted(await Publish(client, $"pax/v1/{place}/{device}/signals", People(i))));
        }

        // Burst 5 at 0.5 a second: a handful pass, the rest are counted as over the device's budget.
        var deadline = DateTime.UtcNow + Patience;
        StatsDocument after;
        do
        {
            await Task.Delay(200);
            after = await Stats();
        }
        while (after.Accepted - before.Accepted + Limited(after) - Limited(before) < 100 && DateTime.UtcNow < deadline);

        var accepted = after.Accepted - before.Accepted;
        output.WriteLine($"accepted {accepted}, rate-limited {Limited(after) - Limited(before)}");
        Assert.InRange(accepted, 5, 10);
        Assert.Equal(100 - accepted, Limited(after) - Limited(before));
    }

    [Fact]
    public async Task WhileTheBrokerIsAwayProvisioningAnswers503AndChangesNothing()
    {
        var place = await Place();
        var (kept, keptSecret) = await Provision(place);
        await Broker.Stop();
        try
        {
            var put = await Server.Http.PutAsJsonAsync("/api/devices/cam-while-away", new { place });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
            Assert.Equal("application/problem+json", put.Content.Headers.ContentType?.MediaType);
            var delete = await Server.Http.DeleteAsync($"/api/devices/{kept}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, delete.StatusCode);

            var listed = await Server.Http.GetFromJsonAsync<JsonElement[]>("/api/devices");
            Assert.DoesNotContain(listed!, d => d.GetProperty("deviceId").GetString() == "cam-while-away");
            Assert.Equal(JsonValueKind.Null, listed!.Single(d => d.GetProperty("deviceId").GetString() == kept).GetProperty("revokedAt").ValueKind);
        }
        finally
        {
            await Broker.Restart();
        }

        // Back: the device that was kept still connects, and provisioning works again once the node has reconnected.
        using var client = await Connect(kept, keptSecret);
        var deadline = DateTime.UtcNow + Patience;
        HttpResponseMessage again;
        while ((again = await Server.Http.PutAsJsonAsync("/api/devices/cam-while-away", new { place })).StatusCode == HttpStatusCode.ServiceUnavailable
            && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        await HeardAgain(client, $"pax/v1/{place}/{kept}/signals");
    }

    [Fact]
    public async Task AtEachConnectionTheNodeRemovesAccountsTheRegistryDoesNotHold()
    {
        var place = await Place();
        var (kept, keptSecret) = await Provision(place);

        // An account left from another time (a restored broker, a registry rolled back): ours by its name, no credential.
        await Control($$"""{"commands":[{"command":"createClient","username":"cam-left-behind","password":"old","textname":"pax device","textdescription":"2020-01-01T00:00:00.0000000+00:00","correlationData":"test"}]}""");
        Assert.Contains("cam-left-behind", await BrokerDevices());

        await Broker.Restart();
        var deadline = DateTime.UtcNow + Patience;
        while ((await BrokerDevices()).Contains("cam-left-behind") && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        Assert.DoesNotContain("cam-left-behind", await BrokerDevices());
        using var client = await Connect(kept, keptSecret);
        Assert.True(IsAccepted(await Publish(client, $"pax/v1/{place}/{kept}/signals", People(2))));
        await HeardAgain(client, $"pax/v1/{place}/{kept}/signals");
    }

    /// <summary>
    /// After the broker came back: waits until the node consumes a message again. Its subscription reconnects on its own
    /// schedule, and the broker drops what it gets before then; a test that follows must not lose its messages there.
    /// </summary>
    private async Task HeardAgain(IMqttClient client, string topic)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var before = await Stats();
            await Publish(client, topic, People(1));
            for (var waited = 0; waited < 10; waited++)
            {
                await Task.Delay(200);
                var after = await Stats();
                if (after.Accepted - before.Accepted + Limited(after) - Limited(before) > 0)
                {
                    return;
                }
            }
        }

        Assert.Fail("The node did not consume a message again after the broker came back.");
    }

    private async Task<string> Place()
    {
        var id = "dyn-" + Guid.NewGuid().ToString("N")[..8];
        var put = await Server.Http.PutAsJsonAsync($"/api/places/{id}", new { name = "Kontrolltorget", kind = "torg", area = "norr", latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return id;
    }

    private async Task<(string Device, string Secret)> Provision(string place, string? device = null)
    {
        device ??= "cam-" + Guid.NewGuid().ToString("N")[..8];
        var response = await Server.Http.PutAsJsonAsync($"/api/devices/{device}", new { place });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var issued = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (device, issued.GetProperty("secret").GetString()!);
    }

    private async Task<IMqttClient> Connect(string user, string secret)
    {
        var (client, code) = await MqttSignIn.Connect(MqttSignIn.Options(Broker.Port, user, secret).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, code);
        return client;
    }

    private async Task<MqttClientConnectResultCode> Refusal(string user, string secret)
    {
        var (client, code) = await MqttSignIn.Connect(MqttSignIn.Options(Broker.Port, user, secret).Build());
        client.Dispose();
        return code;
    }

    private static Task Dropped(IMqttClient client)
    {
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.DisconnectedAsync += _ =>
        {
            dropped.TrySetResult();
            return Task.CompletedTask;
        };
        return dropped.Task;
    }

    private static Task<MqttClientPublishResult> Publish(IMqttClient client, string topic, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static string People(double count) => Device.Signals(Device.Now, ("people", count));

    // Mosquitto answers "no matching subscribers" when no node happens to hold a matching subscription at that moment.
    private static bool IsAccepted(MqttClientPublishResult result) =>
        result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;

    private async Task<StatsDocument> Stats() => (await Server.Http.GetFromJsonAsync<StatsDocument>("/api/ingest/stats"))!;

    private static long Limited(StatsDocument stats) => stats.Rejected.GetValueOrDefault("rate_limited");

    /// <summary>The device accounts at the broker, read through its control topic as an operator would.</summary>
    private async Task<string[]> BrokerDevices()
    {
        var answer = await Control("""{"commands":[{"command":"listClients","verbose":true,"count":-1,"correlationData":"test"}]}""");
        return answer.GetProperty("responses")[0].GetProperty("data").GetProperty("clients").EnumerateArray()
            .Where(c => c.TryGetProperty("textname", out var name) && name.GetString() == "pax device")
            .Select(c => c.GetProperty("username").GetString()!)
            .ToArray();
    }

    private async Task<JsonElement> Control(string commands)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Broker.Port)
            .WithClientId("dynsec-test-" + Guid.NewGuid().ToString("N")[..6])
            .WithCredentials(Mosquitto.NodeUser, Mosquitto.NodePassword)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .Build());
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            // Every reader of the response topic gets every answer: the node's own come here too.
            var response = JsonDocument.Parse(e.ApplicationMessage.Payload).RootElement.Clone();
            if (response.GetProperty("responses")[0].TryGetProperty("correlationData", out var correlation) && correlation.GetString() == "test")
            {
                answer.TrySetResult(response);
            }

            return Task.CompletedTask;
        };
        await client.SubscribeAsync("$CONTROL/dynamic-security/v1/response");
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("$CONTROL/dynamic-security/v1").WithPayload(commands).Build());
        return await answer.Task.WaitAsync(Patience);
    }
}
