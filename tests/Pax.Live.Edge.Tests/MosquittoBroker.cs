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

    private readonly List<string> _log;

    private MosquittoBroker(string directory, Process process, int port, List<string> log)
    {
        _directory = directory;
        _process = process;
        Port = port;
        _log = log;
    }

    public int Port { get; }

    /// <summary>The broker's log so far (connections, refusals).</summary>
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

    /// <summary>Starts the broker; with <paramref name="tls"/>, its only listener speaks TLS with that certificate.</summary>
    public static async Task<MosquittoBroker> StartAsync(TestCertificates? tls = null, int? port = null)
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

        var listen = port ?? TestPorts.Claim();
        var config = Path.Combine(directory, "mosquitto.conf");
        var text = $"listener {listen} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\npersistence false\nlog_dest stderr\nlog_type all\n";
        if (tls is not null)
        {
            text += $"cafile {TestCertificates.Write(directory, "ca.pem", tls.CaPem)}\ncertfile {TestCertificates.Write(directory, "server.pem", tls.ServerPem)}\n"
                + $"keyfile {TestCertificates.Write(directory, "server.key", tls.ServerKeyPem)}\n";
        }

        await File.WriteAllTextAsync(config, text);
        var log = new List<string>();
        var process = new Process { StartInfo = new ProcessStartInfo(broker, ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true } };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                lock (log)
                {
                    log.Add(line);
                }
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, listen);
                return new MosquittoBroker(directory, process, listen, log);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        process.Kill();
        Directory.Delete(directory, recursive: true);
        lock (log)
        {
            throw new TimeoutException($"mosquitto did not listen on {listen}: {string.Join("\n", log)}");
        }
    }

    /// <summary>Adds a user to the password file and has the running broker reload it (SIGHUP), as an operator would.</summary>
    public async Task AddUserAsync(string user, string password)
    {
        var passwords = Path.Combine(_directory, "passwords");
        using (var passwd = Process.Start("mosquitto_passwd", ["-b", passwords, user, password]))
        {
            await passwd.WaitForExitAsync();
        }

        // Reloaded after the broker dropped to its own user: the file must stay readable to it.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwords, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        using var hup = Process.Start("kill", ["-HUP", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await hup.WaitForExitAsync();
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
