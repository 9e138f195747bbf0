using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pax.Live.Testing;

/// <summary>
/// Debian's Mosquitto on a free loopback port that refuses strangers: in front of a cluster as a deployment runs it
/// (<see cref="Start"/>, <see cref="StartWithDynamicSecurity"/>), or as a site's own broker with one account for the
/// edge agent (<see cref="StartWithUser"/>), over TLS if asked.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Mosquitto : IAsyncDisposable
{
    public const string NodeUser = "pax-node";
    public const string NodePassword = "node-secret";
    public const string DevicePassword = "device-secret";

    /// <summary>The one account of <see cref="StartWithUser"/>.</summary>
    public const string User = "cam";

    /// <inheritdoc cref="User"/>
    public const string Password = "s3cret";

    private const string Broker = "/usr/sbin/mosquitto";

    private readonly string _directory;
    private readonly string _config;
    private const int LogLines = 10_000;

    private readonly Queue<string> _log = new();
    private Process _process = null!;

    private Mosquitto(string directory, string config, int port)
    {
        _directory = directory;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    /// <summary>What the broker logged so far (connections, refusals), the last <see cref="LogLines"/> lines.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_log)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>
    /// Starts a broker that knows the node and <paramref name="devices"/> (each with <see cref="DevicePassword"/>);
    /// the node reads every device's topics, and each device may publish under its own id only.
    /// </summary>
    public static async Task<Mosquitto> Start(params string[] devices)
    {
        var directory = NewDirectory();
        var passwords = Path.Combine(directory, "passwords");
        await Run("mosquitto_passwd", "-b", "-c", passwords, NodeUser, NodePassword);
        foreach (var device in devices)
        {
            await Run("mosquitto_passwd", "-b", passwords, device, DevicePassword);
        }

        File.SetUnixFileMode(passwords, (UnixFileMode)0b110_100_100);
        var acl = Path.Combine(directory, "acl");
        await File.WriteAllTextAsync(acl, $"user {NodeUser}\ntopic read pax/v1/#\n\npattern write pax/v1/+/%u/signals\npattern write pax/v1/+/%u/status\n");
        return await Launch(directory, $"password_file {passwords}\nacl_file {acl}\nmax_packet_size 8192\n");
    }

    /// <summary>
    /// Starts a broker whose accounts live in the dynamic-security plugin, as deploy/mosquitto sets it up: the node's
    /// account is the plugin's administrator (it may use the control topic and read every topic); devices get their
    /// accounts from the server.
    /// </summary>
    public static async Task<Mosquitto> StartWithDynamicSecurity()
    {
        var directory = NewDirectory();
        var accounts = Path.Combine(directory, "dynamic-security.json");
        await Run("mosquitto_ctrl", "dynsec", "init", accounts, NodeUser, NodePassword);

        // The plugin rewrites its file at each change, as the broker's user.
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(accounts, (UnixFileMode)0b110_110_110);
        return await Launch(directory, $"plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so\nplugin_opt_config_file {accounts}\nmax_packet_size 8192\n");
    }

    /// <summary>
    /// Starts a broker with one account, <see cref="User"/>, that may do anything, logging everything; with
    /// <paramref name="tls"/>, its only listener speaks TLS with that certificate.
    /// </summary>
    public static async Task<Mosquitto> StartWithUser(TestCertificates? tls = null)
    {
        var directory = NewDirectory();
        var passwords = Path.Combine(directory, "passwords");
        await Run("mosquitto_passwd", "-b", "-c", passwords, User, Password);
        var settings = $"password_file {passwords}\nlog_dest stderr\nlog_type all\n";
        if (tls is not null)
        {
            settings += $"cafile {TestCertificates.Write(directory, "ca.pem", tls.CaPem)}\ncertfile {TestCertificates.Write(directory, "server.pem", tls.ServerPem)}\n"
                + $"keyfile {TestCertificates.Write(directory, "server.key", tls.ServerKeyPem)}\n";
        }

        return await Launch(directory, settings);
    }

    /// <summary>Adds an account to the password file and has the running broker reload it (SIGHUP), as an operator would.</summary>
    public async Task AddUser(string user, string password)
    {
        var passwords = Path.Combine(_directory, "passwords");
        await Run("mosquitto_passwd", "-b", passwords, user, password);

        // Reloaded after the broker dropped to its own user: the file must stay readable to it.
        File.SetUnixFileMode(passwords, (UnixFileMode)0b110_100_100);
        await Run("kill", "-HUP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the broker; <see cref="Restart"/> brings it back on the same port with what it had stored.</summary>
    public async Task Stop()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async Task Restart()
    {
        await Stop();
        _process.Dispose();
        await StartProcess();
    }

    public async ValueTask DisposeAsync()
    {
        await Stop();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string NewDirectory()
    {
        if (!File.Exists(Broker))
        {
            throw new FileNotFoundException("Debian's mosquitto package is needed (./test.sh installs it).", Broker);
        }

        var directory = Directory.CreateTempSubdirectory("pax-mosquitto-").FullName;

        // Started as root, mosquitto drops to its own user, which must still read its files.
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        return directory;
    }

    private static async Task<Mosquitto> Launch(string directory, string settings)
    {
        var port = TestPorts.Claim();
        var config = Path.Combine(directory, "mosquitto.conf");

        // Listener settings (the TLS files) follow the listener they belong to.
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous false\npersistence false\n{settings}");
        var broker = new Mosquitto(directory, config, port);
        try
        {
            await broker.StartProcess();
            return broker;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    private async Task StartProcess()
    {
        _process = new Process { StartInfo = new ProcessStartInfo(Broker, ["-c", _config]) { RedirectStandardError = true, RedirectStandardOutput = true } };

        // Read what it logs as it goes: a full pipe would stop the broker.
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        _process.Kill();
        throw new TimeoutException($"mosquitto did not listen on {Port}: {string.Join('\n', Log)}");
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.Enqueue(line);
                if (_log.Count > LogLines)
                {
                    _log.Dequeue();
                }
            }
        }
    }

    private static async Task Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed with {process.ExitCode}");
        }
    }
}
