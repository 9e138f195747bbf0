using System.Globalization;
using System.Net;
using MQTTnet.Server;

namespace Pax.Live.LoadTool;

/// <summary>
/// The ceiling: the same broker implementation with the same settings as the server's embedded broker (MQTTnet's
/// default endpoint, publishes intercepted and not dispatched), whose only consumer counts. Runs as its own process,
/// as the server does, and prints its count to stdout four times a second until stdin closes.
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
}
