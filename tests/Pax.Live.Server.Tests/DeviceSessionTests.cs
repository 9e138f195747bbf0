using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;

namespace Pax.Live.Server.Tests;

/// <summary>What one device's connection may make the broker do: take no other device's session, hold little, process a message once.</summary>
public sealed partial class DeviceTrustTests
{
    [Fact]
    public async Task AClientIdThatIsAnotherDevicesIsRefusedAndCountedAndThatDeviceStaysConnected()
    {
        var place = await Place();
        var (victim, victimSecret) = await Provision(place);
        var (attacker, attackerSecret) = await Provision(place);
        var (real, realCode) = await Connect(victim, victimSecret, clientId: victim);
        using var _1 = real;
        Assert.Equal(MqttClientConnectResultCode.Success, realCode);
        var before = (await Stats()).RefusedConnections!;

        for (var i = 0; i < 5; i++)
        {
            var (clone, code) = await Connect(attacker, attackerSecret, clientId: victim);
            using var _2 = clone;
            Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, code);
        }

        var after = (await Stats()).RefusedConnections!;
        Assert.Equal(before["client_id"] + 5, after["client_id"]);
        await Task.Delay(500);
        Assert.True(real.IsConnected);
        Assert.True((await real.PublishAsync(Message($"pax/v1/{place}/{victim}/signals", ("people", 3)))).IsSuccess);

        // A device's own id, its {place}.{id}, or none (the broker names it) are its own.
        foreach (var own in new[] { $"{place}.{attacker}", attacker, "" })
        {
            var (ok, code) = await Connect(attacker, attackerSecret, clientId: own);
            using var _3 = ok;
            Assert.Equal(MqttClientConnectResultCode.Success, code);
        }

        Assert.True(real.IsConnected);

        // A refusal's log line names the client's address, never the broker's own listening port.
        var refusals = Server.Output.Split('\n').Where(l => l.Contains("Refused an MQTT connection from", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, l => Assert.DoesNotContain($":{Server.MqttPort} ", l, StringComparison.Ordinal));
        Assert.All(refusals, l => Assert.Contains("from 127.0.0.1:", l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TopicAliasesAreFewAndAFloodOfThemLeavesTheHeapAsItWas()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var heapBefore = await LiveHeapMiB();
        var aliasesBefore = (await Stats()).Rejected["topic_alias"];

        var (raw, reason, properties) = await RawMqtt.Connect(Server.MqttPort, device, device, secret);
        await using var _ = raw;
        Assert.Equal(0, reason);
        var maximum = RawMqtt.TopicAliasMaximum(properties);
        Assert.InRange(maximum, 0, 16);

        // 65,535 aliases, each with an 8 KB topic outside the device's own (refused by the ACL, but an alias is kept
        // before any check): as many as the broker lets this connection try.
        var payload = Encoding.UTF8.GetBytes(Device.Signals(Device.Now, ("people", 1)));
        var padding = new string('x', 8000);
        var sent = 0;
        try
        {
            for (var alias = 1; alias <= ushort.MaxValue; alias++)
            {
                await raw.Publish($"pax/v1/{place}/other-{alias}/{padding}", payload, qos: 0, topicAlias: (ushort)alias);
                sent++;
            }
        }
        catch (IOException)
        {
            // The broker closed the connection.
        }

        // Closed by the broker (MQTT 5: DISCONNECT 0x94, topic alias invalid), not by this client.
        var closed = false;
        try
        {
            while (!closed)
            {
                var (type, body) = await raw.Read().WaitAsync(TimeSpan.FromSeconds(30));
                closed = type == 0 || (type == 0xE0 && body.Length > 0 && body[0] == 0x94);
            }
        }
        catch (IOException)
        {
            closed = true;
        }

        Assert.True(closed);
        Assert.True((await Stats()).Rejected["topic_alias"] > aliasesBefore);
        var grown = await LiveHeapMiB() - heapBefore;
        output.WriteLine($"aliases tried {sent}, maximum offered {maximum}, live heap {heapBefore:0.0} MiB before, grew {grown:0.0} MiB");
        Assert.True(grown < 16, $"the live heap grew by {grown:0.0} MiB after {sent} aliases were tried (maximum {maximum})");
        Assert.True(Server.IsRunning);
    }

    [Fact]
    public async Task AHundredQos2CopiesUnderOnePacketIdAreProcessedOnce()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var (raw, reason, _) = await RawMqtt.Connect(Server.MqttPort, device, device, secret);
        await using var _1 = raw;
        Assert.Equal(0, reason);
        var before = await Stats();

        var payload = Encoding.UTF8.GetBytes(Device.Signals(Device.Now, ("people", 42)));
        for (var i = 0; i < 100; i++)
        {
            await raw.Publish($"pax/v1/{place}/{device}/signals", payload, qos: 2, packetId: 7, dup: i > 0);
        }

        // Every copy is answered (PUBREC); the release completes the handshake (PUBCOMP).
        for (var received = 0; received < 100;)
        {
            var (type, _) = await raw.Read();
            Assert.NotEqual(0, type);
            received += (type & 0xF0) == 0x50 ? 1 : 0;
        }

        await raw.Release(7);
        var (completeType, _) = await raw.Read();
        Assert.Equal(0x70, completeType & 0xF0);

        var after = await Server.WaitForStats(s => s.Accepted + s.Rejected["duplicate"] >= before.Accepted + before.Rejected["duplicate"] + 100);
        Assert.Equal(before.Accepted + 1, after.Accepted);
        Assert.Equal(before.Rejected["duplicate"] + 99, after.Rejected["duplicate"]);

        // Released, the id is free again: a new message under it is a new message.
        await raw.Publish($"pax/v1/{place}/{device}/signals", payload, qos: 2, packetId: 7);
        await Server.WaitForStats(s => s.Accepted == before.Accepted + 2);
    }

    private async Task<double> LiveHeapMiB() =>
        (await Server.Http.GetFromJsonAsync<JsonElement>("/api/debug/runtime?collect=true")).GetProperty("managedHeapMiB").GetDouble();
}
