using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pax.Live.Edge.Tests;

/// <summary>Debian's Mosquitto on a free loopback port, with a password file: a broker that refuses strangers.</summary>
internal sealed class MosquittoBroker : IAsyncDisposable
{
    public const string User = "cam";
    public const string Password = "s3cret";

    private readonly string _directory;
    private readonly Process _process;

    private MosquittoBroker(string directory, Process process, int port)
    {
        _directory = directory;
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<MosquittoBroker> StartAsync()
    {
        const string broker = "/usr/sbin/mosquitto";
        if (!File.Exists(broker))
        {
            throw new FileNotFoundException("Debian's mosquitto package is needed (apt-get install mosquitto; ./test.sh does it).", broker);
        }

        var directory = Directory.CreateTempSubdirectory("pax-edge-mosquitto-").FullName;

        // Started as root, mosquitto drops to its own user, which must still read its config and password file.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        var passwords = Path.Combine(directory, "passwords");
        using (var passwd = Process.Start("mosquitto_passwd", ["-b", "-c", passwords, User, Password]))
        {
            await passwd.WaitForExitAsync();
        }

        var port = ServerProcess.FreePort();
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\npersistence false\n");
        var process = Process.Start(new ProcessStartInfo(broker, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("mosquitto did not start.");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new MosquittoBroker(directory, process, port);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill();
        Directory.Delete(directory, recursive: true);
        throw new TimeoutException($"mosquitto did not listen on {port}: {await process.StandardError.ReadToEndAsync()}");
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
