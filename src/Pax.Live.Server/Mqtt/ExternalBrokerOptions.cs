using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

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
    [Range(1, 65535)]
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

    /// <summary>
    /// Whether this node keeps the broker's device accounts (Mosquitto's dynamic-security plugin): provisioning and
    /// revoking a device through the API then creates, replaces and removes its account and its topic rules at the
    /// broker, live. The node's account must be allowed to use <c>$CONTROL/dynamic-security/v1</c>.
    /// </summary>
    public bool DynamicSecurity { get; set; }

    /// <summary>How long the broker may take to answer a dynamic-security command before the API answers 503.</summary>
    public TimeSpan ControlTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The MQTT 5 client options for one of this node's connections to the broker.</summary>
    public MqttClientOptions ClientOptions(string clientId)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(Host, Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(Username))
        {
            builder.WithCredentials(Username, Password);
        }

        if (Tls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                if (CaCertificate is { } path)
                {
                    var authority = X509Certificate2.CreateFromPemFile(path);
                    tls.WithTrustChain([authority]);
                }
            });
        }

        return builder.Build();
    }
}
