using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

/// <summary>The publisher against Mosquitto over TLS with a private CA and passwords: the production set-up.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class MosquittoTlsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pax-edge-tls-").FullName;

    [Fact]
    public async Task AgentConnectsOverTlsWithPinnedCaAndPasswordAndSubscriberSeesItsSignals()
    {
        var certificates = TestCertificates.Create();
        await using var broker = await Mosquitto.StartWithUser(certificates);
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        using var subscriber = await SubscribeAsync(broker.Port, received);

        await using var publisher = NewPublisher(broker.Port, certificates, Mosquitto.Password);
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);
        await Until(() => publisher.IsConnected, broker);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        publisher.Publish(SignalMessage.Create(now, [new Signal(SignalKind.Motion, 0.25), new Signal(SignalKind.People, 4)]));
        publisher.Publish(SignalMessage.Create(now + 500, [new Signal(SignalKind.Fire, 0.8)]));
        await Until(() => received.Count(m => m.Topic == Topic.Signals("stora-torget", "cam-tls")) == 2, broker);

        var signals = new Signal[SignalPayload.MaxSignals];
        var fire = received.Single(m => m.Topic == Topic.Signals("stora-torget", "cam-tls") && m.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(RejectReason.None, SignalPayload.Parse(fire.Payload, now + 500, signals, out var ts, out var count));
        Assert.Equal(now + 500, ts);
        Assert.Equal(SignalKind.Fire, signals[0].Kind);
        Assert.Equal(1, count);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, fire.QualityOfServiceLevel);
        Assert.Contains(received, m => m.Topic == Topic.Status("stora-torget", "cam-tls") && m.ConvertPayloadToString() == DeviceStatus.Online);

        await stop.CancelAsync();
        await run;
        await subscriber.DisconnectAsync();
    }

    [Fact]
    public async Task BrokerCertificateFromAnotherCaIsRefusedAndAlertsWaitOnDisk()
    {
        // The broker's certificate is sound, but not from the CA the device was given: a man in the middle looks the same.
        var brokers = TestCertificates.Create("Someone else's CA");
        await using var broker = await Mosquitto.StartWithUser(brokers);
        await using var publisher = NewPublisher(broker.Port, TestCertificates.Create(), Mosquitto.Password);
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);

        publisher.Publish(SignalMessage.Create(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), [new Signal(SignalKind.Tamper, 1)]));
        await Until(() => publisher.Waiting == 1, broker);

        // Several handshakes fail on the broker's side (the client hung up on its certificate); the agent never connects.
        await Until(() => broker.Log.Count(l => l.Contains("OpenSSL Error", StringComparison.Ordinal) || l.Contains("Client <unknown> disconnected", StringComparison.Ordinal)) >= 3, broker);
        Assert.False(publisher.IsConnected);
        Assert.False(run.IsCompleted);
        Assert.Equal(1, publisher.Waiting);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task WrongPasswordOverTlsIsRefusedAgainAndAgainWithoutCrashing()
    {
        var certificates = TestCertificates.Create();
        await using var broker = await Mosquitto.StartWithUser(certificates);
        await using var publisher = NewPublisher(broker.Port, certificates, "wrong");
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);

        // The TLS handshake succeeds, the CONNACK says no: the agent tries again on its schedule and stays up.
        await Until(() => broker.Log.Count(l => l.Contains("not authorised", StringComparison.Ordinal)) >= 3, broker);
        Assert.False(publisher.IsConnected);
        Assert.False(run.IsCompleted);
        await stop.CancelAsync();
        await run;
    }

    private DevicePublisher NewPublisher(int port, TestCertificates trusted, string password) => new(
        new MqttOptions
        {
            Host = "127.0.0.1", Port = port, Tls = true, CaCertificate = TestCertificates.Write(_directory, $"ca-{Guid.NewGuid():N}.pem", trusted.CaPem),
            Username = Mosquitto.User, Password = password, ReconnectSeconds = 0.3,
        },
        new StoreOptions { Directory = Path.Combine(_directory, "store") },
        "stora-torget", "cam-tls", NullLogger.Instance);

    private static async Task<IMqttClient> SubscribeAsync(int port, ConcurrentQueue<MqttApplicationMessage> received)
    {
        var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var connected = await subscriber.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port).WithClientId("watcher").WithCredentials(Mosquitto.User, Mosquitto.Password)
            // The watcher is the test's instrument, not what is under test: it takes the broker at its word.
            .WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(_ => true))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await subscriber.SubscribeAsync("pax/v1/#", MqttQualityOfServiceLevel.AtLeastOnce);
        return subscriber;
    }

    private static async Task Until(Func<bool> condition, Mosquitto broker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out; the broker said:\n" + string.Join("\n", broker.Log));
            await Task.Delay(50);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
