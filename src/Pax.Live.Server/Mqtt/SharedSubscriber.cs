using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Contracts;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// Takes this node's share of the devices' messages from an external broker (MQTT 5 shared subscriptions,
/// <c>$share/{group}/pax/v1/+/+/signals</c> and <c>…/status</c>) and hands each to ingest, as the embedded broker does.
/// A message is acknowledged (QoS 1) only once ingest has it, so backpressure reaches the broker.
/// </summary>
public sealed partial class SharedSubscriber(
    ExternalBrokerOptions options,
    MqttOptions budget,
    SignalIngest ingest,
    TimeProvider clock,
    ILogger<SharedSubscriber> logger) : BackgroundService
{
    private const int MaxBudgets = 100_000;

    private readonly string _clientName = $"broker:{options.Host}";
    private readonly Dictionary<string, DeviceLimiter> _budgets = new(StringComparer.Ordinal);

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

        while (!stoppingToken.IsCancellationRequested)
        {
            if (!client.IsConnected)
            {
                try
                {
                    await client.ConnectAsync(options.ClientOptions($"pax-node-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}"), stoppingToken);
                    var subscribe = new MqttClientSubscribeOptionsBuilder()
                        .WithTopicFilter($"$share/{options.ShareGroup}/pax/v1/+/+/signals", MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithTopicFilter($"$share/{options.ShareGroup}/pax/v1/+/+/status", MqttQualityOfServiceLevel.AtLeastOnce)
                        .Build();
                    await client.SubscribeAsync(subscribe, stoppingToken);
                    IsConnected = true;
                    LogConnected(logger, options.Host!, options.Port, options.ShareGroup);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogUnreachable(logger, options.Host!, options.Port, ex.Message);
                }
            }

            try
            {
                await Task.Delay(options.ReconnectDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None);
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Ingest counts and logs what it rejects; either way the broker is done with the message once ingest answers.
        var message = e.ApplicationMessage;
        await ingest.AcceptAsync(_clientName, message.Topic, message.Payload, CancellationToken.None, BudgetOf(message.Topic));
    }

    /// <summary>
    /// The publishing device's budget on this node's share (<c>Pax:Mqtt:MessagesPerSecond</c> and its bursts): the
    /// broker keeps none, so with N nodes sharing the stream a device that floods gets at most N times what the
    /// embedded broker would give it. The client calls this for one message at a time.
    /// </summary>
    private DeviceLimiter? BudgetOf(string topic)
    {
        if (budget.MessagesPerSecond <= 0 || Topic.TryParse(topic, out var parsed) != RejectReason.None)
        {
            return null;
        }

        var devices = _budgets.GetAlternateLookup<ReadOnlySpan<char>>();
        var device = topic.AsSpan()[parsed.Device];
        if (!devices.TryGetValue(device, out var limiter))
        {
            if (_budgets.Count >= MaxBudgets)
            {
                _budgets.Clear();
            }

            limiter = new DeviceLimiter(budget.Budget, clock.GetUtcNow().ToUnixTimeMilliseconds());
            devices[device] = limiter;
        }

        return limiter;
    }

    [LoggerMessage(LogLevel.Information, "Consuming this node's share of {Host}:{Port} (group {Group})")]
    private static partial void LogConnected(ILogger logger, string host, int port, string group);

    [LoggerMessage(LogLevel.Warning, "Lost the external broker {Host}:{Port} ({Reason}); reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string host, int port, string reason);

    [LoggerMessage(LogLevel.Warning, "Cannot reach the external broker {Host}:{Port}: {Reason}; retrying")]
    private static partial void LogUnreachable(ILogger logger, string host, int port, string reason);
}
