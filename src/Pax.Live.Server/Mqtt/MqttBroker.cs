using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// The embedded MQTT broker. Devices sign in with their id and secret (<see cref="IDeviceRegistryGrain"/>), publish
/// only under their own place and id, subscribe only to their own command topic, and within a message budget. Every
/// publish goes through ingest; signals are consumed there and never dispatched to subscribers (dispatch costs work per
/// connected session: MQTTnet's throughput collapses with many idle clients). Status messages do go through, so that
/// their retained copy stays on the broker as the contract says.
/// </summary>
public sealed partial class MqttBroker(
    MqttOptions options,
    SignalIngest ingest,
    IngestStats stats,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<MqttBroker> logger) : IHostedService, IAsyncDisposable, IDeviceRevokedHandler
{
    /// <summary>A device's own command topic's last level.</summary>
    public const string CommandLeaf = "command";

    private readonly ConcurrentDictionary<string, DeviceConnection> _deviceConnections = new(StringComparer.Ordinal);
    private MqttServer? _server;
    private long _lastRefusalLoggedAt = long.MinValue / 2;
    private long _refusalsNotLogged;

    /// <summary>The plain port the broker listens on.</summary>
    public int Port => options.Port;

    /// <summary>Whether the broker has started and not stopped (for readiness).</summary>
    public bool IsRunning => _server?.IsStarted == true;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder();
        var address = IPAddress.Parse(options.BindAddress);
        if (options.PlainEnabled)
        {
            builder.WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(address).WithDefaultEndpointPort(options.Port);
        }
        else
        {
            builder.WithoutDefaultEndpoint();
        }

        if (options.TlsCertificate is { } certificate)
        {
            builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(address)
                .WithEncryptedEndpointPort(options.TlsPort)
                .WithEncryptionCertificate(LoadCertificate(certificate));
        }

        _server = factory.CreateMqttServer(builder.Build(), [new CappedTcpServerAdapter(options.MaxPacketBytes, () => stats.Count(RejectReason.TooLarge), options.TopicAliasMaximum)]);
        _server.ValidatingConnectionAsync += ValidateAsync;
        _server.ClientConnectedAsync += OnConnectedAsync;
        _server.ClientDisconnectedAsync += OnDisconnectedAsync;
        _server.InterceptingPublishAsync += OnPublishAsync;
        _server.InterceptingSubscriptionAsync += OnSubscribeAsync;
        _server.InterceptingInboundPacketAsync += OnInboundPacketAsync;
        await _server.StartAsync();
        if (options.AllowAnonymous)
        {
            LogAnonymousAllowed(logger);
        }

        LogStarted(logger, options.BindAddress, options.PlainEnabled ? options.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) : "off",
            options.TlsCertificate is null ? "off" : options.TlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private X509Certificate2 LoadCertificate(string path)
    {
        var extension = Path.GetExtension(path);
        if (extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, options.TlsCertificatePassword);
        }

        return X509Certificate2.CreateFromPemFile(path, options.TlsKey);
    }

    private async Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        var budget = PublisherBudget.ForConnection(options.Budget, clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (string.IsNullOrEmpty(e.UserName))
        {
            if (!options.AllowAnonymous)
            {
                Refuse(e, ConnectionRefusal.Anonymous, MqttConnectReasonCode.NotAuthorized);
                return;
            }

            // A lab client may name itself as it likes, but not as a device that is connected: that would take its session over.
            if (!string.IsNullOrEmpty(e.ClientId) && IsDevicesClientId(e.ClientId))
            {
                Refuse(e, ConnectionRefusal.ClientId, MqttConnectReasonCode.ClientIdentifierNotValid);
                return;
            }

            AssignClientId(e, "anon-" + Guid.NewGuid().ToString("N"));
            e.SessionItems[DeviceSession.Key] = new DeviceSession(null, null, null, budget);
            return;
        }

        DeviceCredential? credential;
        try
        {
            credential = Ids.IsValid(e.UserName) ? await grains.GetGrain<IDeviceRegistryGrain>(0).Find(e.UserName) : null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The cluster cannot answer: the device tries again, as it would after any refusal.
            LogRegistryUnavailable(logger, ex);
            e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            return;
        }

        if (credential is null || !DeviceSecrets.Verify(e.Password, credential.SecretHash))
        {
            Refuse(e, ConnectionRefusal.BadCredentials, MqttConnectReasonCode.BadUserNameOrPassword);
            return;
        }

        if (credential.RevokedAt is not null)
        {
            Refuse(e, ConnectionRefusal.Revoked, MqttConnectReasonCode.NotAuthorized);
            return;
        }

        // MQTT sessions are keyed by client id: a device naming another's id would take over (and drop) that device's
        // connection. Its own id, or {placeId}.{deviceId} as the edge agent sends, or none (the broker names it).
        if (!string.IsNullOrEmpty(e.ClientId) && !IsOwnClientId(e.ClientId, credential))
        {
            Refuse(e, ConnectionRefusal.ClientId, MqttConnectReasonCode.ClientIdentifierNotValid);
            return;
        }

        AssignClientId(e, credential.DeviceId);
        var prefix = $"pax/v1/{credential.PlaceId}/{credential.DeviceId}/";
        e.SessionItems[DeviceSession.Key] = new DeviceSession(credential.DeviceId, prefix, prefix + CommandLeaf, budget, credential.IssuedAt);
    }

    private static bool IsOwnClientId(string clientId, DeviceCredential credential) =>
        clientId == credential.DeviceId
        || (clientId.Length == credential.PlaceId.Length + 1 + credential.DeviceId.Length
            && clientId.StartsWith(credential.PlaceId, StringComparison.Ordinal)
            && clientId[credential.PlaceId.Length] == '.'
            && clientId.EndsWith(credential.DeviceId, StringComparison.Ordinal));

    private bool IsDevicesClientId(string clientId)
    {
        foreach (var (_, held) in _deviceConnections)
        {
            if (held.ClientId == clientId)
            {
                return true;
            }
        }

        return false;
    }

    private void Refuse(ValidatingConnectionEventArgs e, ConnectionRefusal why, MqttConnectReasonCode code)
    {
        e.ReasonCode = code;
        stats.Refused(why);

        // At most one line per 10 s: someone trying passwords must not flood the log (the counts are in the stats).
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var last = Interlocked.Read(ref _lastRefusalLoggedAt);
        if (now - last >= 10_000 && Interlocked.CompareExchange(ref _lastRefusalLoggedAt, now, last) == last)
        {
            LogRefused(logger, e.UserName ?? "", e.RemoteEndPoint?.ToString() ?? "", why, Interlocked.Exchange(ref _refusalsNotLogged, 0));
        }
        else
        {
            Interlocked.Increment(ref _refusalsNotLogged);
        }
    }

    private static void AssignClientId(ValidatingConnectionEventArgs e, string id)
    {
        // MQTT 5 lets a client with a clean session leave its id empty; the broker names it then. (MQTTnet refuses an
        // empty id from MQTT 3.1.1 clients whatever we say here, so 3.1.1 clients must send one: mosquitto_pub -i.)
        if (string.IsNullOrEmpty(e.ClientId) && e.CleanSession != false)
        {
            e.AssignedClientIdentifier = id;
            e.ReasonCode = MqttConnectReasonCode.Success;
        }
    }

    /// <summary>One live connection per device: a device that connects again (by any client id) replaces its old connection.</summary>
    private async Task OnConnectedAsync(ClientConnectedEventArgs e)
    {
        if (e.SessionItems[DeviceSession.Key] is not DeviceSession { DeviceId: { } device } session)
        {
            return;
        }

        var previous = _deviceConnections.GetValueOrDefault(device);
        _deviceConnections[device] = new DeviceConnection(e.ClientId, session.IssuedAt);
        if (previous.ClientId is not null && previous.ClientId != e.ClientId)
        {
            await DisconnectAsync(previous.ClientId, MqttDisconnectReasonCode.SessionTakenOver);
        }
    }

    private Task OnDisconnectedAsync(ClientDisconnectedEventArgs e)
    {
        if (e.SessionItems?[DeviceSession.Key] is DeviceSession { DeviceId: { } device } session)
        {
            _deviceConnections.TryRemove(new KeyValuePair<string, DeviceConnection>(device, new DeviceConnection(e.ClientId, session.IssuedAt)));
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Drops a device's connection at once if it signed in with credentials issued before <paramref name="issuedBefore"/>
    /// (they were revoked or replaced); a connection made with the new secret stays.
    /// </summary>
    public Task OnDeviceRevoked(string deviceId, DateTimeOffset issuedBefore) =>
        _deviceConnections.TryGetValue(deviceId, out var held) && held.IssuedAt < issuedBefore
            ? DisconnectAsync(held.ClientId, MqttDisconnectReasonCode.NotAuthorized)
            : Task.CompletedTask;

    /// <summary>A device's live connection: its client id and when the credentials it signed in with were issued.</summary>
    private readonly record struct DeviceConnection(string ClientId, DateTimeOffset IssuedAt);

    private async Task DisconnectAsync(string clientId, MqttDisconnectReasonCode code)
    {
        try
        {
            await _server!.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = code });
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            // Gone already.
        }
    }

    private Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        if (e.SessionItems[DeviceSession.Key] is DeviceSession { CommandTopic: { } own } && e.TopicFilter.Topic != own)
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
        }

        return Task.CompletedTask;
    }

    /// <summary>Sees each packet before MQTTnet does: topic aliases over the maximum, and the QoS 2 handshake's packet ids.</summary>
    private async Task OnInboundPacketAsync(InterceptingPacketEventArgs e)
    {
        switch (e.Packet)
        {
            case MqttPublishPacket publish when publish.TopicAlias > options.TopicAliasMaximum:
                // Never reaches MQTTnet's alias table. MQTT 5 says: close with "topic alias invalid".
                e.ProcessPacket = false;
                stats.Count(RejectReason.TopicAlias);
                await DisconnectAsync(e.ClientId, MqttDisconnectReasonCode.TopicAliasInvalid);
                break;
            case MqttPublishPacket publish:
                if (publish.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce)
                {
                    ExactlyOnceOf(e.SessionItems).Received(publish);
                }

                break;
            case MqttPubRelPacket release:
                ExactlyOnceOf(e.SessionItems).Released(release.PacketIdentifier);
                break;
        }
    }

    private static ExactlyOnce ExactlyOnceOf(System.Collections.IDictionary items)
    {
        if (items[ExactlyOnce.Key] is not ExactlyOnce window)
        {
            items[ExactlyOnce.Key] = window = new ExactlyOnce();
        }

        return window;
    }

    private Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        // Signals are consumed here and never dispatched to subscribers: dispatch costs work per connected session.
        e.ProcessPublish = false;
        var message = e.ApplicationMessage;
        if (message.QualityOfServiceLevel == MqttQualityOfServiceLevel.ExactlyOnce
            && e.SessionItems[ExactlyOnce.Key] is ExactlyOnce { CurrentIsCopy: true })
        {
            // Taken in already under this packet id: answered again (PUBREC), not processed again.
            stats.Count(RejectReason.Duplicate);
            return Task.CompletedTask;
        }

        var session = e.SessionItems[DeviceSession.Key] as DeviceSession;
        if (session?.TopicPrefix is { } prefix && !message.Topic.StartsWith(prefix, StringComparison.Ordinal))
        {
            ingest.Refuse(e.ClientId, message.Topic, RejectReason.NotAllowed);
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return Task.CompletedTask;
        }

        var accepting = ingest.AcceptAsync(e.ClientId, message.Topic, message.Payload, e.CancellationToken, out var kind, session?.Budget);
        if (accepting.IsCompletedSuccessfully)
        {
            // Nearly always: ingest waits only when the queue is full and the message carries an event.
            Answer(e, accepting.Result, kind);
            return Task.CompletedTask;
        }

        return AwaitAcceptAsync(e, accepting, kind);
    }

    private static async Task AwaitAcceptAsync(InterceptingPublishEventArgs e, ValueTask<RejectReason> accepting, TopicKind kind) =>
        Answer(e, await accepting, kind);

    /// <summary>
    /// Status messages (as ingest found the topic to be) go through so that their retained copy stays on the broker, as
    /// the contract says. A message over the device's budget is answered "quota exceeded" (MQTT 5, QoS 1), so a device
    /// that keeps what it sends can try later.
    /// </summary>
    private static void Answer(InterceptingPublishEventArgs e, RejectReason reason, TopicKind kind)
    {
        e.ProcessPublish = reason == RejectReason.None && kind == TopicKind.Status;
        if (reason == RejectReason.RateLimited)
        {
            e.Response.ReasonCode = MqttPubAckReasonCode.QuotaExceeded;
        }
    }

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

    [LoggerMessage(LogLevel.Information, "MQTT broker listening on {Address}, plain port {Port}, TLS port {TlsPort}")]
    private static partial void LogStarted(ILogger logger, string address, string port, string tlsPort);

    [LoggerMessage(LogLevel.Warning, $"ANONYMOUS DEVICES ALLOWED ({MqttOptions.Section}:{nameof(MqttOptions.AllowAnonymous)}): any client that reaches the broker can publish for any place. For a lab only, never in production.")]
    private static partial void LogAnonymousAllowed(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Refused an MQTT connection from {Remote} as '{User}': {Why} ({NotLogged} more refused since the last line)")]
    private static partial void LogRefused(ILogger logger, string user, string remote, ConnectionRefusal why, long notLogged);

    [LoggerMessage(LogLevel.Warning, "Could not check a device's credentials; the connection was refused as unavailable")]
    private static partial void LogRegistryUnavailable(ILogger logger, Exception exception);
}
