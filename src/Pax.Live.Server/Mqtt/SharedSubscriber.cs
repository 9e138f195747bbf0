using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// Takes this node's share of the devices' messages from an external broker (MQTT 5 shared subscriptions,
/// <c>$share/{group}/pax/v1/+/+/signals</c> and <c>…/status</c>) and hands each to ingest, as the embedded broker does.
/// A message is acknowledged (QoS 1) only once ingest has it, so backpressure reaches the broker. Ingest limits each
/// device to its budget (<c>Pax:Mqtt:MessagesPerSecond</c> and its bursts) on this node's share of the stream.
/// </summary>
public sealed partial class SharedSubscriber(
    ExternalBrokerOptions options,
    MqttOptions budget,
    SignalIngest ingest,
    ILogger<SharedSubscriber> logger) : BackgroundService
{
    private readonly string _clientName = $"broker:{options.Host}";
    private readonly PublisherBudget? _budget = PublisherBudget.PerDevice(budget.Budget);

    /// <summary>Whether the node is connected and subscribed (for readiness).</summary>
    public bool IsConnected { get; private set; }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += e =>
        {
            if (IsConnected)
            {
                LogDisconnected(logger, options.Host!, options.Port, e.Reason.ToString());
            }

            IsConnected = false;
            return Task.CompletedTask;
        };

        await client.KeepConnectedAsync(
            options,
            $"pax-node-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}",
            async cancellationToken =>
            {
                var subscribe = new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter($"$share/{options.ShareGroup}/pax/v1/+/+/signals", MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithTopicFilter($"$share/{options.ShareGroup}/pax/v1/+/+/status", MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
                await client.SubscribeAsync(subscribe, cancellationToken);
                IsConnected = true;
                LogConnected(logger, options.Host!, options.Port, options.ShareGroup);
            },
            reason => LogUnreachable(logger, options.Host!, options.Port, reason),
            stoppingToken);
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Ingest counts and logs what it rejects; either way the broker is done with the message once ingest answers.
        var message = e.ApplicationMessage;
        await ingest.AcceptAsync(_clientName, message.Topic, message.Payload, CancellationToken.None, out _, _budget);
    }

    [LoggerMessage(LogLevel.Information, "Consuming this node's share of {Host}:{Port} (group {Group})")]
    private static partial void LogConnected(ILogger logger, string host, int port, string group);

    [LoggerMessage(LogLevel.Warning, "Lost the external broker {Host}:{Port} ({Reason}); reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string host, int port, string reason);

    [LoggerMessage(LogLevel.Warning, "Cannot reach the external broker {Host}:{Port}: {Reason}; retrying")]
    private static partial void LogUnreachable(ILogger logger, string host, int port, string reason);
}
