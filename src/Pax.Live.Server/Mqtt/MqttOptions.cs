using System.ComponentModel.DataAnnotations;

namespace Pax.Live.Server.Mqtt;

/// <summary>Embedded broker settings, section <c>Pax:Mqtt</c>.</summary>
public sealed class MqttOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Mqtt";

    /// <summary>Run the embedded broker (off when devices publish to an external broker).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The plain TCP port devices connect to.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Listen on the plain port at all (turn it off when every device speaks TLS).</summary>
    public bool PlainEnabled { get; set; } = true;

    /// <summary>The TLS port; the TLS listener runs when <see cref="TlsCertificate"/> is set.</summary>
    [Range(1, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>The server certificate: a PKCS#12 file (<c>.pfx</c>, <c>.p12</c>) or a PEM certificate.</summary>
    public string? TlsCertificate { get; set; }

    /// <summary>The PEM private key, when <see cref="TlsCertificate"/> is PEM and does not hold the key itself.</summary>
    public string? TlsKey { get; set; }

    /// <summary>The PKCS#12 file's password.</summary>
    public string? TlsCertificatePassword { get; set; }

    /// <summary>The address to listen on; any address by default, <c>127.0.0.1</c> in tests.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// A lab switch: let clients connect without credentials and publish for any place. Off by default, and loud in the
    /// log when on. Never in production: anyone who reaches the port could then feed any place.
    /// </summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Messages a connection may publish per second on average (0: no limit).</summary>
    [Range(0, double.MaxValue)]
    public double MessagesPerSecond { get; set; } = 20;

    /// <summary>How many messages a connection may publish at once before the average applies.</summary>
    [Range(0, double.MaxValue)]
    public double Burst { get; set; } = 40;

    /// <summary>Messages with an event (or a device status) that pass per second once the general budget is spent.</summary>
    [Range(0, double.MaxValue)]
    public double EventsPerSecond { get; set; } = 10;

    /// <summary>How many such messages may pass at once (a reconnecting device forwarding what it stored).</summary>
    [Range(0, double.MaxValue)]
    public double EventBurst { get; set; } = 200;

    /// <summary>
    /// The largest MQTT packet (its remaining length) the broker reads: a bigger one closes the connection before its
    /// body is read, and counts as <c>too_large</c>. A signals payload is at most 4 KiB; the rest is topic and headers.
    /// </summary>
    [Range(256, 268_435_455)]
    public int MaxPacketBytes { get; set; } = 8192;

    /// <summary>
    /// The most topic aliases a connection may set (MQTT 5; 0: none). MQTTnet keeps every alias's topic for the life of
    /// the connection, so this times <see cref="MaxPacketBytes"/> (a topic is at most one packet) bounds what one
    /// connection can make the broker hold: 4 × 8 KiB topics, 64 KiB as UTF-16. A higher alias closes the connection.
    /// </summary>
    public ushort TopicAliasMaximum { get; set; } = 4;
}
