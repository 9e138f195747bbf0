using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
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
public sealed partial class DevicePublisher : IAsyncDisposable, ISignalSink
{
    private static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinRefusedBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRefusedBackoff = TimeSpan.FromSeconds(30);

    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly MqttClientOptions _clientOptions;
    private readonly Outbox _outbox;
    private readonly string _signalsTopic;
    private readonly string _statusTopic;
    private readonly SendQueue _queue = new();
    private readonly X509Certificate2? _ca;
    private readonly Credentials _credentials;
    private DateTime _lastPing;
    private long _sent;
    private long _refused;
    private DateTime _holdOutboxUntil;
    private TimeSpan _refusedBackoff = MinRefusedBackoff;

    /// <summary>Creates the publisher of one device; nothing connects before <see cref="RunAsync"/>.</summary>
    /// <param name="options">The broker, and the process-wide credentials.</param>
    /// <param name="store">Where alert-grade messages wait.</param>
    /// <param name="placeId">The device's place.</param>
    /// <param name="deviceId">The device's id.</param>
    /// <param name="logger">The log (never given a secret).</param>
    /// <param name="credentials">The device's own credentials; unset: the process-wide ones in <paramref name="options"/>.</param>
    public DevicePublisher(MqttOptions options, StoreOptions store, string placeId, string deviceId, ILogger logger, DeviceCredentials? credentials = null)
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
        // The secret is resolved at every connect (a password file may have been given a newly issued secret).
        _credentials = new Credentials(DeviceCredentials.For(deviceId, credentials, options));

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
        if (_credentials.Username is not null)
        {
            _clientOptions.Credentials = _credentials;
        }
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

    /// <summary>QoS 1 publishes the broker answered with a refusal (quota exceeded, not authorized); they were kept.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Readings dropped unsent because newer ones came while the broker was slow.</summary>
    public long ReadingsDropped => _queue.ReadingsDropped;

    /// <summary>Hands a message over for sending; never blocks the camera.</summary>
    public void Publish(SignalMessage message)
    {
        // With a slow broker, alert-grade messages go ahead of the readings and, past the queue's room, to disk; the
        // oldest readings are dropped: the next one supersedes them.
        if (!_queue.TryAdd(message))
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

                if (DateTime.UtcNow >= _holdOutboxUntil)
                {
                    await ForwardOutboxAsync(stoppingToken).ConfigureAwait(false);
                }

                while (_client.IsConnected && _queue.TryTake(out var message))
                {
                    if (message.AlertGrade && _outbox.Count > 0)
                    {
                        // Behind the ones already waiting: alert-grade messages reach the server in the order they were made.
                        _outbox.Add(message.Payload);
                        continue;
                    }

                    await SendAsync(message, stoppingToken).ConfigureAwait(false);
                }

                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var held = _holdOutboxUntil - DateTime.UtcNow;
                wait.CancelAfter(_outbox.Count > 0 && held > TimeSpan.Zero && held < retry ? held : retry);
                try
                {
                    await _queue.WaitAsync(wait.Token).ConfigureAwait(false);
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

            if (!_credentials.Resolve(out var unreadable))
            {
                LogPasswordFileUnreadable(_logger, DeviceId, unreadable);
                return false;
            }

            var result = await _client.ConnectAsync(_clientOptions, stoppingToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                // MQTTnet 5 does not throw on a refused CONNACK: a wrong password must not look like success.
                LogRefused(_logger, DeviceId, _credentials.Username ?? "(anonymous)", result.ResultCode.ToString());
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
            while (_queue.TryTake(out var message))
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

    // A QoS 1 publish the broker answered but did not take (0x97 quota exceeded: over the device's budget; 0x87 not
    // authorized: the device is provisioned for another place): kept, and the outbox waits before trying again, longer
    // each time, so that retries do not eat the budget they wait for.
    private void HoldOutbox(MqttClientPublishReasonCode reason)
    {
        Interlocked.Increment(ref _refused);
        var first = _refusedBackoff == MinRefusedBackoff;
        _holdOutboxUntil = DateTime.UtcNow + _refusedBackoff;
        _refusedBackoff = TimeSpan.FromTicks(Math.Min(_refusedBackoff.Ticks * 2, MaxRefusedBackoff.Ticks));
        if (first)
        {
            if (reason == MqttClientPublishReasonCode.QuotaExceeded)
            {
                LogOverBudget(_logger, DeviceId, _outbox.Count + 1);
            }
            else
            {
                LogPublishRefused(_logger, DeviceId, reason.ToString(), _signalsTopic);
            }
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
                if (alertGrade)
                {
                    HoldOutbox(result.ReasonCode);
                }

                return false;
            }

            if (alertGrade)
            {
                _refusedBackoff = MinRefusedBackoff;
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

    [LoggerMessage(Level = LogLevel.Error, Message = "{DeviceId}: the broker refused the connection as user {Username}: {ResultCode}; alert-grade signals are kept on disk")]
    private static partial void LogRefused(ILogger logger, string deviceId, string username, string resultCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "{DeviceId}: cannot read the password file ({Reason}); not connecting")]
    private static partial void LogPasswordFileUnreadable(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId}: over the broker's budget (quota exceeded); {Waiting} alert-grade messages wait and are sent later")]
    private static partial void LogOverBudget(ILogger logger, string deviceId, int waiting);

    [LoggerMessage(Level = LogLevel.Error, Message = "{DeviceId}: the broker refused a message ({Reason}) on {Topic}: is the device provisioned for this place? It is kept and sent again later")]
    private static partial void LogPublishRefused(ILogger logger, string deviceId, string reason, string topic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId}: disconnected ({Reason})")]
    private static partial void LogDisconnected(ILogger logger, string deviceId, string reason);

    /// <summary>The device's user name and secret as MQTTnet asks for them at each connect; the secret is never logged.</summary>
    private sealed class Credentials(DeviceCredentials configured) : IMqttClientCredentialsProvider
    {
        private byte[]? _password;

        public string? Username { get; } = string.IsNullOrEmpty(configured.Username) ? null : configured.Username;

        /// <summary>Reads the secret for the next connect; false (with why) when its file cannot be read.</summary>
        public bool Resolve(out string why)
        {
            why = "";
            if (string.IsNullOrEmpty(configured.PasswordFile))
            {
                _password = configured.Password is null ? null : System.Text.Encoding.UTF8.GetBytes(configured.Password);
                return true;
            }

            try
            {
                _password = System.Text.Encoding.UTF8.GetBytes(File.ReadAllText(configured.PasswordFile).Trim());
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The exception's message names the file, never its content.
                why = e.Message;
                return false;
            }
        }

        public string? GetUserName(MqttClientOptions clientOptions) => Username;

        public byte[]? GetPassword(MqttClientOptions clientOptions) => _password;
    }
}
