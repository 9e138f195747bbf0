namespace Pax.Live.Edge.Options;

/// <summary>The agent's configuration, section <c>Edge</c>.</summary>
public sealed class EdgeOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Edge";

    /// <summary>The broker.</summary>
    public MqttOptions Mqtt { get; set; } = new();

    /// <summary>Where alert-grade signals wait while the broker is unreachable.</summary>
    public StoreOptions Store { get; set; } = new();

    /// <summary>The cameras this process handles.</summary>
    public List<CameraOptions> Cameras { get; set; } = [];

    /// <summary>Audio-only devices this process handles.</summary>
    public List<MicrophoneOptions> Microphones { get; set; } = [];

    /// <summary>Synthetic devices for demos and load, instead of or beside cameras.</summary>
    public SimulatorOptions Simulator { get; set; } = new();

    /// <summary>Provisioning the devices through the server's API (demos and labs); unset: each device's own credentials.</summary>
    public ProvisionOptions Provision { get; set; } = new();

    /// <summary>OpenCV's own worker threads; 1 keeps one camera on one core and lets cameras run side by side.</summary>
    public int OpenCvThreads { get; set; } = 1;
}

/// <summary>How the agent reaches the broker.</summary>
public sealed class MqttOptions
{
    /// <summary>Broker host.</summary>
    public string Host { get; set; } = "localhost";

    /// <summary>Broker port (1883, or 8883 with TLS).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Use TLS.</summary>
    public bool Tls { get; set; }

    /// <summary>
    /// A PEM file with the CA that signed the broker's certificate. When set, the broker must present a certificate
    /// for <see cref="Host"/> issued by this CA and no other (the system's trusted roots are not consulted); when
    /// empty, the system's trusted roots decide.
    /// </summary>
    public string? CaCertificate { get; set; }

    /// <summary>Accept a broker certificate that does not validate (test brokers only).</summary>
    public bool AllowUntrustedCertificates { get; set; }

    /// <summary>User name, if the broker wants one.</summary>
    public string? Username { get; set; }

    /// <summary>Password, if the broker wants one (never logged).</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the password, read again at every connect (wins over <see cref="Password"/>).</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Keep-alive in seconds; the broker declares the device gone after 1.5 × this.</summary>
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>Seconds between reconnect attempts.</summary>
    public double ReconnectSeconds { get; set; } = 2;
}

/// <summary>Store-and-forward of alert-grade signals.</summary>
public sealed class StoreOptions
{
    /// <summary>Folder for waiting messages, one subfolder per device.</summary>
    public string Directory { get; set; } = "/var/lib/pax-edge/outbox";

    /// <summary>Messages kept per device at most; the oldest go first when full.</summary>
    public int MaxMessages { get; set; } = 10_000;
}

/// <summary>Simulated devices: a realistic day and night, and occasional incidents.</summary>
public sealed class SimulatorOptions
{
    /// <summary>Whether to run simulated devices.</summary>
    public bool Enabled { get; set; }

    /// <summary>Places to simulate (the sample places when empty); each gets <see cref="DevicesPerPlace"/> devices.</summary>
    /// <remarks>Empty by default: the configuration binder appends to a list's initial items instead of replacing them.</remarks>
    public List<string> Places { get; set; } = [];

    /// <summary>Devices per place.</summary>
    public int DevicesPerPlace { get; set; } = 2;

    /// <summary>Messages per second per device.</summary>
    public double RateHz { get; set; } = 1;

    /// <summary>Incidents (a bang, a fire, a tampered camera) per device per hour, on average.</summary>
    public double IncidentsPerHour { get; set; } = 0.5;

    /// <summary>Simulated hours per real hour: 24 shows a whole day in an hour.</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>
    /// Each simulated device's own MQTT credentials, by device id (<c>sim-{place}-{n}</c>); a device not listed uses
    /// the process-wide <see cref="EdgeOptions.Mqtt"/> credentials.
    /// </summary>
    public Dictionary<string, DeviceCredentials> Credentials { get; set; } = [];
}

/// <summary>
/// One device's MQTT credentials. The server issues them per device (<c>PUT /api/devices/{id}</c>: the user name is
/// the device id, the secret is shown once), so one agent running several cameras holds several of them.
/// </summary>
public sealed class DeviceCredentials
{
    /// <summary>The user name; when empty but a password is given, the device id.</summary>
    public string? Username { get; set; }

    /// <summary>The device's secret (never logged). Prefer <see cref="PasswordFile"/> outside demos.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the secret, read again at every connect: writing a newly issued secret there is enough.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Whether these credentials say anything; otherwise the process-wide ones apply.</summary>
    public bool IsSet => !string.IsNullOrEmpty(Username) || !string.IsNullOrEmpty(Password) || !string.IsNullOrEmpty(PasswordFile);

    /// <summary>The credentials <paramref name="deviceId"/> connects with: its own when set, else the process-wide ones.</summary>
    public static DeviceCredentials For(string deviceId, DeviceCredentials? own, MqttOptions shared) =>
        own is { IsSet: true }
            ? new DeviceCredentials { Username = string.IsNullOrEmpty(own.Username) ? deviceId : own.Username, Password = own.Password, PasswordFile = own.PasswordFile }
            : new DeviceCredentials { Username = shared.Username, Password = shared.Password, PasswordFile = shared.PasswordFile };

    /// <summary>Hides the secret from anything that prints the options.</summary>
    public override string ToString() => $"{Username ?? "(anonymous)"} / ***";
}
