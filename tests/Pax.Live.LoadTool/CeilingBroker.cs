using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Net;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Pax.Live.LoadTool;

/// <summary>
/// The ceiling: the same broker implementation with the same settings as the server's embedded broker (MQTTnet's
/// default endpoint, publishes intercepted and not dispatched), whose only consumer counts. Runs as its own process,
/// as the server does, and prints its count to stdout four times a second until stdin closes. For each probe impulse
/// it prints how long ago its <c>ts</c> was stamped: the transport's own publish → consumer latency at that load, the
/// floor under any pipeline on this broker.
/// </summary>
public static class CeilingBroker
{
    public static async Task<int> Run(int port)
    {
        long messages = 0;
        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port)
            .Build();
        using var server = factory.CreateMqttServer(options);
        server.InterceptingPublishAsync += e =>
        {
            e.ProcessPublish = false;
            Interlocked.Increment(ref messages);
            if (e.ApplicationMessage.QualityOfServiceLevel != MqttQualityOfServiceLevel.AtMostOnce && ProbeStamp(e.ApplicationMessage.Payload) is { } sent)
            {
                var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - sent;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"probe {ms}"));
            }

            return Task.CompletedTask;
        };
        await server.StartAsync();
        Console.WriteLine("ready");
        using var stop = new CancellationTokenSource();
        _ = Task.Run(() =>
        {
            Console.In.ReadToEnd();
            stop.Cancel();
        });
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"count {Interlocked.Read(ref messages)} rss {Environment.WorkingSet}"));
                await Task.Delay(250, stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await server.StopAsync();
        return 0;
    }

    /// <summary>The <c>ts</c> of a probe impulse (<c>{"ts":…,"signals":[{"kind":"impulse",…}]}</c>), or null for anything else.</summary>
    private static long? ProbeStamp(ReadOnlySequence<byte> payload)
    {
        var bytes = payload.ToArray();
        if (bytes.AsSpan().IndexOf("\"impulse\""u8) < 0 || !bytes.AsSpan().StartsWith("{\"ts\":"u8))
        {
            return null;
        }

        return Utf8Parser.TryParse(bytes.AsSpan(6), out long ts, out _) ? ts : null;
    }
}
