using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Contracts;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Mqtt;

/// <summary>
/// One device's MQTT connection: its own will (<c>offline</c>, retained) on its status topic, <c>online</c> retained
/// after each connect, a reconnect loop driven by the stopping token, QoS 1 for alert-grade messages and QoS 0 for
/// periodic ones, and store-and-forward of alert-grade messages while the broker cannot be reached.
/// </summary>
public sealed partial class DevicePublisher : IAsyncDisposable
{
    private static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(5);

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly Outbox _outbox;
    private readonly string _signalsTopic;
    private readonly string _statusTopic;
    private readonly Channel<SignalMessage> _queue = Channel.CreateBounded<SignalMessage>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly X509Certificate2? _ca;
    private DateTime _lastPing;
    private long _sent;

    /// <summary>Creates the publisher of one device; nothing connects before <see cref="RunAsync"/>.</summary>
    public DevicePublisher(MqttOptions options, StoreOptions store, string placeId, string deviceId, ILogger logger)
    {
        _options = options;
        _logger = logger;
        PlaceId = placeId;
        DeviceId = deviceId;
        _signalsTopic = Topic.Signals(placeId, deviceId);
        _statusTopic = Topic.Status(placeId, deviceId);
        _outbox = new Outbox(Path.Combine(store.Directory, $"{placeId}.{deviceId}"), store.MaxMessages);

        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId($"{placeId}.{deviceId}")
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(_statusTopic)
            .WithWillPayload(DeviceStatus.Offline)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true);
        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(options.Username, options.Password);
        }

        if (options.Tls)
        {
            // Read once here, so that a missing or broken CA file stops the agent at start rather than at every connect.
            var ca = string.IsNullOrEmpty(options.CaCertificate) ? null : X509CertificateLoader.LoadCertificateFromFile(options.CaCertificate);
            _ca = ca;
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls().WithTargetHost(options.Host);
                if (options.AllowUntrustedCertificates)
                {
                    tls.WithCertificateValidationHandler(_ => true);
                }
                else if (ca is not null)
                {
                    tls.WithCertificateValidationHandler(e => IssuedBy(ca, e.Certificate, e.SslPolicyErrors));
                }
            });
        }

        _clientOptions = builder.Build();
        _client = new MqttClientFactory().CreateMqttClient();

        // Handlers are attached before the first connect; reconnecting is the loop's job, never the handler's.
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected && e.Reason != MqttClientDisconnectReason.NormalDisconnection)
            {
                LogDisconnected(_logger, DeviceId, e.Reason.ToString());
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The place of the device.</summary>
    public string PlaceId { get; }

    /// <summary>The device id.</summary>
    public string DeviceId { get; }

    /// <summary>Whether the connection is up.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Alert-grade messages waiting on disk.</summary>
    public int Waiting => _outbox.Count;

    /// <summary>Messages the broker has taken (acknowledged for QoS 1).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Hands a message over for sending; never blocks the camera.</summary>
    public void Publish(SignalMessage message)
    {
        // When the queue is full (a slow broker), alert-grade messages go to disk and periodic ones are dropped:
        // the next reading supersedes them.
        if (!_queue.Writer.TryWrite(message) && message.AlertGrade)
        {
            _outbox.Add(message.Payload);
        }
    }

    /// <summary>Connects, keeps the connection up and sends until <paramref name="stoppingToken"/> fires, then says <c>offline</c>.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var retry = TimeSpan.FromSeconds(Math.Max(0.1, _options.ReconnectSeconds));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!await EnsureConnectedAsync(stoppingToken).ConfigureAwait(false))
                {
                    await HoldWhileOfflineAsync(retry, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await ForwardOutboxAsync(stoppingToken).ConfigureAwait(false);
                while (_client.IsConnected && _queue.Reader.TryRead(out var message))
                {
                    await SendAsync(message, stoppingToken).ConfigureAwait(false);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(retry);
                try
                {
                    await _queue.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await SayGoodbyeAsync().ConfigureAwait(false);
    }

    private async Task<bool> EnsureConnectedAsync(CancellationToken stoppingToken)
    {
        if (_client.IsConnected)
        {
            if (DateTime.UtcNow - _lastPing < PingEvery)
            {
                return true;
            }

            _lastPing = DateTime.UtcNow;
            if (await _client.TryPingAsync(stoppingToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(cancellationToken: stoppingToken).ConfigureAwait(false);
            }

            var result = await _client.ConnectAsync(_clientOptions, stoppingToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                // MQTTnet 5 does not throw on a refused CONNACK: a wrong password must not look like success.
                LogRefused(_logger, DeviceId, result.ResultCode.ToString());
                return false;
            }

            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(_statusTopic)
                .WithPayload(DeviceStatus.Online)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build(), stoppingToken).ConfigureAwait(false);
            _lastPing = DateTime.UtcNow;
            LogConnected(_logger, DeviceId, _options.Host, _options.Port, _outbox.Count);
            return true;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException
            or System.Net.Sockets.SocketException)
        {
            // An attempt that fails while the agent is stopping is not news; the loop ends on the stopping token.
            if (!stoppingToken.IsCancellationRequested)
            {
                LogUnreachable(_logger, DeviceId, _options.Host, _options.Port, e.Message);
            }

            return false;
        }
    }

    private async Task HoldWhileOfflineAsync(TimeSpan retry, CancellationToken stoppingToken)
    {
        var until = DateTime.UtcNow + retry;
        while (DateTime.UtcNow < until && !stoppingToken.IsCancellationRequested)
        {
            // Alert-grade messages wait on disk; periodic levels are superseded by the next reading and go.
            while (_queue.Reader.TryRead(out var message))
            {
                if (message.AlertGrade)
                {
                    _outbox.Add(message.Payload);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task ForwardOutboxAsync(CancellationToken stoppingToken)
    {
        while (_client.IsConnected && _outbox.TryPeek(out var name, out var payload))
        {
            if (!await TrySendAsync(payload, alertGrade: true, stoppingToken).ConfigureAwait(false))
            {
                return;
            }

            _outbox.Remove(name);
        }
    }

    private async Task SendAsync(SignalMessage message, CancellationToken stoppingToken)
    {
        if (!await TrySendAsync(message.Payload, message.AlertGrade, stoppingToken).ConfigureAwait(false) && message.AlertGrade)
        {
            _outbox.Add(message.Payload);
        }
    }

    private async Task<bool> TrySendAsync(byte[] payload, bool alertGrade, CancellationToken stoppingToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(_signalsTopic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(alertGrade ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        try
        {
            var result = await _client.PublishAsync(message, stoppingToken).ConfigureAwait(false);
            if (!result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                return false;
            }

            Interlocked.Increment(ref _sent);
            return true;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException
            or OperationCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private async Task SayGoodbyeAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            // A normal DISCONNECT discards the will, so the device says offline itself.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(_statusTopic)
                .WithPayload(DeviceStatus.Offline)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build(), timeout.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            // Gone already: the broker publishes the will for us.
        }
    }

    // The broker's certificate must name the host and chain to the pinned CA; the system's roots do not count, so a
    // certificate from any public CA (or another customer's) is refused. A private CA publishes no revocation list.
    private static bool IssuedBy(X509Certificate2 ca, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        _ca?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{DeviceId}: connected to {Host}:{Port}; {Waiting} stored messages to forward")]
    private static partial void LogConnected(ILogger logger, string deviceId, string host, int port, int waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId}: broker {Host}:{Port} unreachable ({Reason}); alert-grade signals are kept on disk")]
    private static partial void LogUnreachable(ILogger logger, string deviceId, string host, int port, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{DeviceId}: the broker refused the connection: {ResultCode}")]
    private static partial void LogRefused(ILogger logger, string deviceId, string resultCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId}: disconnected ({Reason})")]
    private static partial void LogDisconnected(ILogger logger, string deviceId, string reason);
}
