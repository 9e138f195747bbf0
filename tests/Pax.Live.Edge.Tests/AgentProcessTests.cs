using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Contracts;

namespace Pax.Live.Edge.Tests;

/// <summary>The agent as it is deployed: its own process, started with <c>--config</c>, against Mosquitto with passwords.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class AgentProcessTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pax-edge-agent-").FullName;

    [Fact]
    public async Task AgentSaysOnlineRetainedPublishesAndItsWillSaysOfflineWhenKilled()
    {
        await using var broker = await Mosquitto.StartWithUser();
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        using var watcher = await WatchAsync(broker.Port, "pax/v1/#", received);

        using var agent = StartAgent(broker.Port);
        var output = new StringBuilder();
        agent.OutputDataReceived += (_, e) => Append(output, e.Data);
        agent.ErrorDataReceived += (_, e) => Append(output, e.Data);
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        try
        {
            var signalsTopic = Topic.Signals("stora-torget", "cam-agent");
            await Until(() => received.Any(m => m.Topic == signalsTopic), "signals from the agent", output, broker);

            // A camera without a purpose or legal basis is refused; the lawful one runs beside it.
            Assert.Contains("Camera refused", Read(output), StringComparison.Ordinal);
            Assert.DoesNotContain(received, m => m.Topic.Contains("cam-unlawful", StringComparison.Ordinal));
            var signals = new Signal[SignalPayload.MaxSignals];
            var first = received.First(m => m.Topic == signalsTopic);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Assert.Equal(RejectReason.None, SignalPayload.Parse(first.Payload, now, signals, out var ts, out var count));
            Assert.InRange(ts, now - 60_000, now);
            Assert.Contains(signals[..count].ToArray(), s => s.Kind == SignalKind.Motion);

            // Someone who looks later is told the device is online: the status is retained.
            var late = new ConcurrentQueue<MqttApplicationMessage>();
            using (var lateWatcher = await WatchAsync(broker.Port, Topic.Status("stora-torget", "cam-agent"), late))
            {
                await Until(() => !late.IsEmpty, "the retained status", output, broker);
                Assert.True(late.Single().Retain);
                Assert.Equal(DeviceStatus.Online, late.Single().ConvertPayloadToString());
                await lateWatcher.DisconnectAsync();
            }

            // Killed without a goodbye (power cut, crash): the broker publishes the will.
            agent.Kill();
            await agent.WaitForExitAsync();
            var status = Topic.Status("stora-torget", "cam-agent");
            await Until(() => received.Any(m => m.Topic == status && m.ConvertPayloadToString() == DeviceStatus.Offline), "the will", output, broker);

            var later = new ConcurrentQueue<MqttApplicationMessage>();
            using var laterWatcher = await WatchAsync(broker.Port, status, later);
            await Until(() => !later.IsEmpty, "the retained will", output, broker);
            Assert.Equal(DeviceStatus.Offline, later.Single().ConvertPayloadToString());
            Assert.True(later.Single().Retain);
            await laterWatcher.DisconnectAsync();
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill();
                await agent.WaitForExitAsync();
            }
        }
    }

    private Process StartAgent(int port)
    {
        var config = Path.Combine(_directory, "edge.json");
        var camera = new Dictionary<string, object>
        {
            ["DeviceId"] = "cam-agent", ["PlaceId"] = "stora-torget", ["Source"] = Footage.Vtest, ["Loop"] = true,
            ["Purpose"] = "Test of the agent process", ["LegalBasis"] = "Test", ["People"] = new { Enabled = false },
        };
        var unlawful = new Dictionary<string, object> { ["DeviceId"] = "cam-unlawful", ["PlaceId"] = "stora-torget", ["Source"] = Footage.Vtest };
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Edge = new
            {
                Mqtt = new { Host = "127.0.0.1", Port = port, Username = Mosquitto.User, Password = Mosquitto.Password, ReconnectSeconds = 0.5 },
                Store = new { Directory = Path.Combine(_directory, "outbox") },
                Cameras = new object[] { camera, unlawful },
            },
        }));
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "Pax.Live.Edge.dll"), "--config", config })
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The agent did not start.");
    }

    private static async Task<IMqttClient> WatchAsync(int port, string filter, ConcurrentQueue<MqttApplicationMessage> received)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port).WithClientId("watcher-" + Guid.NewGuid().ToString("N")[..8])
            .WithCredentials(Mosquitto.User, Mosquitto.Password).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return client;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static async Task Until(Func<bool> condition, string what, StringBuilder output, Mosquitto broker)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within 60 s.\nAgent:\n{Read(output)}\nBroker:\n{string.Join("\n", broker.Log)}");
            await Task.Delay(100);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
