using System.Collections;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// What the broker keeps per connection of the QoS 2 handshake: the packet ids received and not yet released. MQTT 5
/// (4.3.3) says a PUBLISH sent again under such an id is the same message; MQTTnet would process every copy. One bit per
/// possible id, made on the first QoS 2 message: 8 KiB at most per connection.
/// </summary>
public sealed class ExactlyOnce
{
    /// <summary>The key in MQTTnet's session items.</summary>
    public const string Key = "pax.qos2";

    private BitArray? _pending;

    /// <summary>Whether the publish the broker is about to process is a copy of one it has (set by <see cref="Received"/>).</summary>
    public bool CurrentIsCopy { get; private set; }

    /// <summary>A PUBLISH came in: notes its id (QoS 2) and whether it is a copy.</summary>
    public void Received(MqttPublishPacket publish)
    {
        CurrentIsCopy = false;
        if (publish.QualityOfServiceLevel != MqttQualityOfServiceLevel.ExactlyOnce)
        {
            return;
        }

        _pending ??= new BitArray(ushort.MaxValue + 1);
        CurrentIsCopy = _pending[publish.PacketIdentifier];
        _pending[publish.PacketIdentifier] = true;
    }

    /// <summary>A PUBREL came in: the id is free for a new message.</summary>
    public void Released(ushort packetId)
    {
        if (_pending is { } pending)
        {
            pending[packetId] = false;
        }
    }
}

/// <summary>
/// A connection's channel that tells the client the broker's real topic-alias maximum: MQTTnet's CONNACK always offers
/// 65,535, which a client may take at its word; <see cref="MqttBroker"/> closes a connection that goes over the real one.
/// </summary>
public sealed class AliasLimitingChannelAdapter(MQTTnet.Adapter.IMqttChannelAdapter inner, ushort topicAliasMaximum) : MQTTnet.Adapter.IMqttChannelAdapter
{
    /// <inheritdoc />
    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
    {
        if (packet is MqttConnAckPacket connAck)
        {
            connAck.TopicAliasMaximum = topicAliasMaximum;
        }

        return inner.SendPacketAsync(packet, cancellationToken);
    }

    /// <inheritdoc />
    public Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken) => inner.ReceivePacketAsync(cancellationToken);

    /// <inheritdoc />
    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    /// <inheritdoc />
    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    /// <inheritdoc />
    public void ResetStatistics() => inner.ResetStatistics();

    /// <inheritdoc />
    public long BytesReceived => inner.BytesReceived;

    /// <inheritdoc />
    public long BytesSent => inner.BytesSent;

    /// <inheritdoc />
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate => inner.ClientCertificate;

    /// <inheritdoc />
    public System.Net.EndPoint? RemoteEndPoint => inner.RemoteEndPoint;

    /// <inheritdoc />
    public System.Net.EndPoint? LocalEndPoint => inner.LocalEndPoint;

    /// <inheritdoc />
    public bool IsSecureConnection => inner.IsSecureConnection;

    /// <inheritdoc />
    public MQTTnet.Formatter.MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

    /// <inheritdoc />
    public void Dispose()
    {
        // The inner adapter belongs to whoever made it.
    }
}
