using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

/// <summary>The publisher against the server's embedded broker over TCP, as a camera in the field reaches it.</summary>
public sealed class MqttTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _store = Path.Combine(Path.GetTempPath(), "pax-edge-store-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task PublisherSaysOnlineDeliversSignalsAndSaysOfflineWhenStopped()
    {
        var port = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(port);
        await using var publisher = NewPublisher(port, "cam-edge-1");
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);

        await Until(() => Task.FromResult(publisher.IsConnected), "connected", server);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        publisher.Publish(SignalMessage.Create(now, [new Signal(SignalKind.Motion, 0.3), new Signal(SignalKind.People, 7)]));
        publisher.Publish(SignalMessage.Create(now + 1, [new Signal(SignalKind.Tamper, 1)]));

        await Until(async () =>
        {
            using var place = await server.Place("stora-torget");
            return Device(place, "cam-edge-1") is { } device && device.GetProperty("online").GetBoolean()
                && await server.Accepted() >= 3;
        }, "online and three messages accepted", server);

        await stop.CancelAsync();
        await run;
        await Until(async () =>
        {
            using var place = await server.Place("stora-torget");
            return Device(place, "cam-edge-1") is { } device && !device.GetProperty("online").GetBoolean();
        }, "offline after a planned stop", server);
    }

    [Fact]
    public async Task StoreAndForwardAcrossABrokerRestartLosesNoAlertGradeSignal()
    {
        var port = TestPorts.Claim();
        var first = await ServerProcess.StartOn(port);
        await using var publisher = NewPublisher(port, "cam-edge-2");
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);
        await Until(() => Task.FromResult(publisher.IsConnected), "connected", first);
        await first.DisposeAsync();
        await Until(() => Task.FromResult(!publisher.IsConnected), "noticed the broker is gone", null);

        // While the broker is away: five alert-grade messages (to disk) and periodic ones (superseded, dropped).
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 5; i++)
        {
            publisher.Publish(SignalMessage.Create(start + i, [new Signal(SignalKind.Motion, 0.1), new Signal(SignalKind.Fire, 0.9)]));
            publisher.Publish(SignalMessage.Create(start + i, [new Signal(SignalKind.Motion, 0.1)]));
        }

        await Until(() => Task.FromResult(publisher.Waiting == 5), "five messages on disk", null);
        Assert.Equal(5, Directory.GetFiles(_store, "*.msg", SearchOption.AllDirectories).Length);

        await using var second = await ServerProcess.StartOn(port);
        await Until(async () => publisher.Waiting == 0 && await second.Accepted() >= 6, "online and five stored messages accepted", second);
        Assert.Equal(6, await second.Accepted());
        using (var place = await second.Place("stora-torget"))
        {
            var fire = place.RootElement.GetProperty("openAlerts").EnumerateArray().Single(a => a.GetProperty("kind").GetString() == "fire");
            Assert.Equal(5, fire.GetProperty("count").GetInt32());
        }

        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task UnderLoadTwentyDevicesRideOutABrokerRestartAndForwardEveryAlertGradeSignalFromTheGap()
    {
        const int Devices = 20;
        const int FiresEach = 5;
        var port = TestPorts.Claim();
        var first = await ServerProcess.StartOn(port);
        var publishers = Enumerable.Range(0, Devices).Select(i => NewPublisher(port, $"cam-load-{i}")).ToList();
        using var stop = new CancellationTokenSource();
        var runs = publishers.Select(p => p.RunAsync(stop.Token)).ToList();
        await Until(() => Task.FromResult(publishers.All(p => p.IsConnected)), "all connected", first);

        // Every device reports motion ten times a second throughout; while the broker is away each also sends fires.
        var brokerAway = false;
        var firesSent = 0;
        using var stopLoad = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var fire = Volatile.Read(ref brokerAway) && firesSent < FiresEach;
                foreach (var publisher in publishers)
                {
                    publisher.Publish(fire
                        ? SignalMessage.Create(now, [new Signal(SignalKind.Motion, 0.2), new Signal(SignalKind.Fire, 0.9)])
                        : SignalMessage.Create(now, [new Signal(SignalKind.Motion, 0.2)]));
                }

                if (fire)
                {
                    firesSent++;
                }

                await Task.Delay(100);
            }
        });

        await first.DisposeAsync();
        await Until(() => Task.FromResult(publishers.All(p => !p.IsConnected)), "noticed the broker is gone", null);
        Volatile.Write(ref brokerAway, true);
        await Until(() => Task.FromResult(publishers.All(p => p.Waiting == FiresEach)), "every device's fires on disk", null);

        await using var second = await ServerProcess.StartOn(port);
        await Until(() => Task.FromResult(publishers.All(p => p.IsConnected && p.Waiting == 0)), "all back and their stores empty", second);
        await Until(async () =>
        {
            using var place = await second.Place("stora-torget");
            return place.RootElement.GetProperty("openAlerts").EnumerateArray()
                .Any(a => a.GetProperty("kind").GetString() == "fire" && a.GetProperty("count").GetInt32() == Devices * FiresEach);
        }, $"one fire alert counting all {Devices * FiresEach} fires from the gap", second);

        await stopLoad.CancelAsync();
        await load;
        await stop.CancelAsync();
        await Task.WhenAll(runs);
        foreach (var publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    private DevicePublisher NewPublisher(int port, string deviceId) => new(
        new MqttOptions { Host = "127.0.0.1", Port = port, ReconnectSeconds = 0.5, KeepAliveSeconds = 5 },
        new StoreOptions { Directory = _store, MaxMessages = 100 },
        "stora-torget", deviceId, NullLogger.Instance);

    private static JsonElement? Device(JsonDocument place, string deviceId)
    {
        foreach (var device in place.RootElement.GetProperty("devices").EnumerateArray())
        {
            if (device.GetProperty("deviceId").GetString() == deviceId)
            {
                return device;
            }
        }

        return null;
    }

    private static async Task Until(Func<Task<bool>> condition, string what, ServerProcess? server)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Not {what} within {Patience}.\n{server?.Output}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }
}
