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
    private readonly Process _process;

    private Mosquitto(string directory, Process process, int port)
    {
        _directory = directory;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts a broker that knows the node and <paramref name="devices"/> (each with <see cref="DevicePassword"/>).</summary>
    public static async Task<Mosquitto> Start(params string[] devices)
    {
        const string broker = "/usr/sbin/mosquitto";
        if (!File.Exists(broker))
        {
            throw new FileNotFoundException("Debian's mosquitto package is needed (./test.sh installs it).", broker);
        }

        var directory = Directory.CreateTempSubdirectory("pax-mosquitto-").FullName;

        // Started as root, mosquitto drops to its own user, which must still read its files.
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var passwords = Path.Combine(directory, "passwords");
        await Run("mosquitto_passwd", "-b", "-c", passwords, NodeUser, NodePassword);
        foreach (var device in devices)
        {
            await Run("mosquitto_passwd", "-b", passwords, device, DevicePassword);
        }

        File.SetUnixFileMode(passwords, (UnixFileMode)0b110_100_100);
        var acl = Path.Combine(directory, "acl");
        await File.WriteAllTextAsync(acl, $"user {NodeUser}\ntopic read pax/v1/#\n\npattern write pax/v1/+/%u/signals\npattern write pax/v1/+/%u/status\n");
        var port = TestPorts.Claim();
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config,
            $"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\nacl_file {acl}\npersistence false\nmax_packet_size 8192\n");
        var process = Process.Start(new ProcessStartInfo(broker, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("mosquitto did not start.");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new Mosquitto(directory, process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill();
        throw new TimeoutException($"mosquitto did not listen on {port}: {await process.StandardError.ReadToEndAsync()}");
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
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
