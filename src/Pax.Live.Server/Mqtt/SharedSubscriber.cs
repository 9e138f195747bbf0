using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// An external broker to consume from, section <c>Pax:Mqtt:External</c>. Set <c>Host</c> to use it; the embedded
/// broker is then usually off (<c>Pax:Mqtt:Enabled=false</c>), and the external broker does what the embedded one does
/// for devices: credentials, topic rules, budgets, TLS (see <c>deploy/mosquitto</c>).
/// </summary>
public sealed class ExternalBrokerOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Mqtt:External";

    /// <summary>The broker's host; empty: no external broker.</summary>
    public string? Host { get; set; }

    /// <summary>The broker's port.</summary>
    public int Port { get; set; } = 1883;

    /// <summary>This node's user name at the broker.</summary>
    public string? Username { get; set; }

    /// <summary>This node's password at the broker.</summary>
    public string? Password { get; set; }

    /// <summary>Connect with TLS.</summary>
    public bool Tls { get; set; }

    /// <summary>A PEM CA certificate the broker's certificate must chain to (TLS); empty: the system's trust store.</summary>
    public string? CaCertificate { get; set; }

    /// <summary>
    /// The shared subscription group: every node subscribes as a member of it, and the broker gives each message to
    /// one member, so the nodes share the stream instead of each taking all of it.
    /// </summary>
    public string ShareGroup { get; set; } = "pax";

    /// <summary>How long to wait between connection attempts.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Takes this node's share of the devices' messages from an external broker (MQTT 5 shared subscriptions,
/// <c>$share/{group}/pax/v1/+/+/signals</c> and <c>…/status</c>) and hands each to ingest, as the embedded broker does.
/// A message is acknowledged (QoS 1) only once ingest has it, so backpressure reaches the broker.
/// </summary>
public sealed partial class SharedSubscriber(
    ExternalBrokerOptions options,
    SignalIngest ingest,
    ILogger<SharedSubscriber> logger) : BackgroundService
{
    private readonly string _clientName = $"broker:{options.Host}";

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
                    await client.ConnectAsync(ClientOptions(), stoppingToken);
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

    private MqttClientOptions ClientOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"pax-node-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}")
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(options.Username, options.Password);
        }

        if (options.Tls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (options.CaCertificate is { } path)
                {
                    var authority = X509Certificate2.CreateFromPemFile(path);
                    tls.WithTrustChain([authority]);
                }
            });
        }

        return builder.Build();
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        // Ingest counts and logs what it rejects; either way the broker is done with the message once ingest answers.
        await ingest.AcceptAsync(_clientName, e.ApplicationMessage.Topic, e.ApplicationMessage.Payload, CancellationToken.None);
    }

    [LoggerMessage(LogLevel.Information, "Consuming this node's share of {Host}:{Port} (group {Group})")]
    private static partial void LogConnected(ILogger logger, string host, int port, string group);

    [LoggerMessage(LogLevel.Warning, "Lost the external broker {Host}:{Port} ({Reason}); reconnecting")]
    private static partial void LogDisconnected(ILogger logger, string host, int port, string reason);

    [LoggerMessage(LogLevel.Warning, "Cannot reach the external broker {Host}:{Port}: {Reason}; retrying")]
    private static partial void LogUnreachable(ILogger logger, string host, int port, string reason);
}
