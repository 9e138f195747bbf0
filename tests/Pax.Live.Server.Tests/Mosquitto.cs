using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pax.Live.Server.Tests;

/// <summary>
/// Debian's Mosquitto on a free loopback port, as a deployment would run it in front of a cluster: nodes and devices
/// sign in, and each device may publish under its own id only.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class Mosquitto : IAsyncDisposable
{
    public const string NodeUser = "pax-node";
    public const string NodePassword = "node-secret";
    public const string DevicePassword = "device-secret";

    private readonly string _directory;
    private readonly string _config;
    private Process _process;

    private Mosquitto(string directory, string config, Process process, int port)
    {
        _directory = directory;
        _config = config;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts a broker that knows the node and <paramref name="devices"/> (each with <see cref="DevicePassword"/>).</summary>
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
        return await Launch(directory, $"password_file {passwords}\nacl_file {acl}\n");
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
        return await Launch(directory, $"plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so\nplugin_opt_config_file {accounts}\n");
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
        _process = await StartProcess(_config, Port);
    }

    private static string NewDirectory()
    {
        const string broker = "/usr/sbin/mosquitto";
        if (!File.Exists(broker))
        {
            throw new FileNotFoundException("Debian's mosquitto package is needed (./test.sh installs it).", broker);
        }

        var directory = Directory.CreateTempSubdirectory("pax-mosquitto-").FullName;

        // Started as root, mosquitto drops to its own user, which must still read its files.
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        return directory;
    }

    private static async Task<Mosquitto> Launch(string directory, string accounts)
    {
        var port = TestPorts.Claim();
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config,
            $"listener {port} 127.0.0.1\nallow_anonymous false\n{accounts}persistence false\nmax_packet_size 8192\n");
        return new Mosquitto(directory, config, await StartProcess(config, port), port);
    }

    private static async Task<Process> StartProcess(string config, int port)
    {
        var process = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("mosquitto did not start.");

        // Read what it logs as it goes: a full pipe would stop the broker.
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => Keep(log, e.Data);
        process.OutputDataReceived += (_, e) => Keep(log, e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill();
        throw new TimeoutException($"mosquitto did not listen on {port}: {string.Join('\n', log)}");
    }

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 200 && log.TryDequeue(out _))
        {
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

    public async ValueTask DisposeAsync()
    {
        await Stop();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
