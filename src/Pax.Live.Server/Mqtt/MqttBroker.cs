using System.Net;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pax.Live.Contracts;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Mqtt;

/// <summary>Embedded broker settings, section <c>Pax:Mqtt</c>.</summary>
public sealed class MqttOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Mqtt";

    /// <summary>Run the embedded broker (off when devices publish to an external broker).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The TCP port devices connect to.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>The address to listen on; any address by default, <c>127.0.0.1</c> in tests.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";
}

/// <summary>
/// The embedded MQTT broker. Every publish goes through ingest; signals are consumed there and never dispatched to
/// subscribers (dispatch costs work per connected session: MQTTnet's throughput collapses with many idle clients).
/// Status messages do go through, so that their retained copy stays on the broker as the contract says.
/// </summary>
public sealed partial class MqttBroker(MqttOptions options, SignalIngest ingest, ILogger<MqttBroker> logger) : IHostedService, IAsyncDisposable
{
    private MqttServer? _server;

    /// <summary>The port the broker listens on.</summary>
    public int Port => options.Port;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var factory = new MqttServerFactory();
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(IPAddress.Parse(options.BindAddress))
            .WithDefaultEndpointPort(options.Port)
            .Build();
        _server = factory.CreateMqttServer(serverOptions);
        _server.ValidatingConnectionAsync += AssignClientId;
        _server.InterceptingPublishAsync += OnPublishAsync;
        await _server.StartAsync();
        LogStarted(logger, options.BindAddress, options.Port);
    }

    private static Task AssignClientId(ValidatingConnectionEventArgs e)
    {
        // MQTT 5 lets a client with a clean session leave its id empty; the broker names it then. (MQTTnet refuses an
        // empty id from MQTT 3.1.1 clients whatever we say here, so 3.1.1 clients must send one: mosquitto_pub -i.)
        if (string.IsNullOrEmpty(e.ClientId) && e.CleanSession != false)
        {
            e.AssignedClientIdentifier = "anon-" + Guid.NewGuid().ToString("N");
            e.ReasonCode = MqttConnectReasonCode.Success;
        }

        return Task.CompletedTask;
    }

    private Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        // Signals are consumed here and never dispatched to subscribers: dispatch costs work per connected session.
        e.ProcessPublish = false;
        var message = e.ApplicationMessage;
        var accepting = ingest.AcceptAsync(e.ClientId, message.Topic, message.Payload, e.CancellationToken);
        if (accepting.IsCompletedSuccessfully)
        {
            // Nearly always: ingest waits only when the queue is full and the message carries an event.
            e.ProcessPublish = IsAcceptedStatus(accepting.Result, message.Topic);
            return Task.CompletedTask;
        }

        return AwaitAcceptAsync(e, accepting);
    }

    private static async Task AwaitAcceptAsync(InterceptingPublishEventArgs e, ValueTask<RejectReason> accepting)
    {
        var reason = await accepting;
        e.ProcessPublish = IsAcceptedStatus(reason, e.ApplicationMessage.Topic);
    }

    /// <summary>Status messages go through so that their retained copy stays on the broker, as the contract says.</summary>
    private static bool IsAcceptedStatus(RejectReason reason, string topic) =>
        reason == RejectReason.None && topic.EndsWith("/status", StringComparison.Ordinal);

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.StopAsync(new MqttServerStopOptions());
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "MQTT broker listening on {Address}:{Port}")]
    private static partial void LogStarted(ILogger logger, string address, int port);
}
