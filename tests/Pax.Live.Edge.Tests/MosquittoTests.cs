using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

/// <summary>The publisher against Mosquitto with passwords: what a device sees from a broker it does not control.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MosquittoTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "pax-edge-store-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task WrongPasswordIsRefusedAndAlertsWaitOnDisk()
    {
        await using var broker = await Mosquitto.StartWithUser();
        await using var publisher = NewPublisher(broker.Port, Mosquitto.User, "wrong");
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);

        publisher.Publish(SignalMessage.Create(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), [new Signal(SignalKind.Tamper, 1)]));
        await Until(() => publisher.Waiting == 1);

        // MQTTnet 5 does not throw on a refused CONNACK: the publisher must still not take it for a connection.
        await Task.Delay(1500);
        Assert.False(publisher.IsConnected);
        Assert.Equal(1, publisher.Waiting);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task AlertGradeGoesWithQos1PeriodicWithQos0AndStatusIsRetained()
    {
        await using var broker = await Mosquitto.StartWithUser();
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var connected = await subscriber.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Port).WithClientId("watcher").WithCredentials(Mosquitto.User, Mosquitto.Password).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await subscriber.SubscribeAsync("pax/v1/#", MqttQualityOfServiceLevel.ExactlyOnce);

        await using var publisher = NewPublisher(broker.Port, Mosquitto.User, Mosquitto.Password);
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);
        await Until(() => publisher.IsConnected);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        publisher.Publish(SignalMessage.Create(now, [new Signal(SignalKind.Motion, 0.2), new Signal(SignalKind.People, 3)]));
        publisher.Publish(SignalMessage.Create(now, [new Signal(SignalKind.Motion, 0.2), new Signal(SignalKind.Fire, 0.9)]));
        await Until(() => received.Count(m => m.Topic.EndsWith("/signals", StringComparison.Ordinal)) == 2);

        // The alert-grade message may overtake the reading (it never waits behind readings), so they are told apart by content.
        var signals = received.Where(m => m.Topic == Topic.Signals("stora-torget", "cam-q")).ToArray();
        var fire = signals.Single(m => m.ConvertPayloadToString().Contains("\"fire\"", StringComparison.Ordinal));
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, fire.QualityOfServiceLevel);
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, signals.Single(m => m != fire).QualityOfServiceLevel);
        var status = received.Single(m => m.Topic == Topic.Status("stora-torget", "cam-q"));
        Assert.Equal(DeviceStatus.Online, status.ConvertPayloadToString());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, status.QualityOfServiceLevel);

        // A planned stop says offline itself (a normal DISCONNECT discards the will), retained for later subscribers.
        await stop.CancelAsync();
        await run;
        await Until(() => received.Count(m => m.Topic.EndsWith("/status", StringComparison.Ordinal)) == 2);
        Assert.Equal(DeviceStatus.Offline, received.Last(m => m.Topic.EndsWith("/status", StringComparison.Ordinal)).ConvertPayloadToString());
        await subscriber.DisconnectAsync();
    }

    [Fact]
    public async Task AlertsKeptWhileRefusedAreSentInOrderWithTheirOriginalTimestampsOnceLetIn()
    {
        await using var broker = await Mosquitto.StartWithUser();
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Port).WithClientId("watcher").WithCredentials(Mosquitto.User, Mosquitto.Password).Build());
        await subscriber.SubscribeAsync(Topic.Signals("stora-torget", "cam-q"), MqttQualityOfServiceLevel.AtLeastOnce);

        // The device's account does not exist yet: every attempt is refused, alert-grade messages wait on disk.
        await using var publisher = NewPublisher(broker.Port, "cam-new", "n3w");
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);
        var minuteAgo = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000;
        for (var i = 0; i < 3; i++)
        {
            publisher.Publish(SignalMessage.Create(minuteAgo + (i * 1000), [new Signal(SignalKind.Motion, 0.3), new Signal(SignalKind.Impulse, 1)]));
            publisher.Publish(SignalMessage.Create(minuteAgo + (i * 1000) + 500, [new Signal(SignalKind.Motion, 0.3)]));
        }

        await Until(() => publisher.Waiting == 3);
        await Until(() => broker.Log.Count(l => l.Contains("not authorised", StringComparison.Ordinal)) >= 2);
        Assert.Empty(received);

        // The operator adds the account; the next attempt gets in and the stored messages follow, oldest first.
        await broker.AddUser("cam-new", "n3w");
        await Until(() => received.Count == 3 && publisher.Waiting == 0);
        var signals = new Signal[SignalPayload.MaxSignals];
        var timestamps = received.Select(m =>
        {
            Assert.Equal(RejectReason.None, SignalPayload.Parse(m.Payload, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), signals, out var ts, out _));
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, m.QualityOfServiceLevel);
            return ts;
        }).ToArray();
        Assert.Equal([minuteAgo, minuteAgo + 1000, minuteAgo + 2000], timestamps);

        await stop.CancelAsync();
        await run;
        await subscriber.DisconnectAsync();
    }

    private DevicePublisher NewPublisher(int port, string user, string password) => new(
        new MqttOptions { Host = "127.0.0.1", Port = port, Username = user, Password = password, ReconnectSeconds = 0.3 },
        new StoreOptions { Directory = _store },
        "stora-torget", "cam-q", NullLogger.Instance);

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }
}
