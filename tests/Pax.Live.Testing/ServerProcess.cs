using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pax.Live.Testing;

/// <summary>
/// The real server as a child process, exactly as <c>dotnet run --project src/Pax.Live.Server</c> runs it, on free
/// loopback ports that stay the same across restarts, with its own data directory. A test that plays a broker restart
/// as a device sees it starts a second server on the first one's MQTT port (<see cref="StartOn"/>).
/// </summary>
public sealed class ServerProcess : IAsyncDisposable, IServerEndpoints
{
    private readonly StringBuilder _output = new();
    private readonly string[] _extraArgs;
    private readonly bool _ownsDataDirectory;
    private Process? _process;

    public ServerProcess(string dataDirectory, params string[] extraArgs)
        : this(dataDirectory, TestPorts.Claim(), extraArgs, ownsDataDirectory: false)
    {
    }

    private ServerProcess(string dataDirectory, int mqttPort, string[] extraArgs, bool ownsDataDirectory)
    {
        DataDirectory = dataDirectory;
        MqttPort = mqttPort;
        _extraArgs = extraArgs;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public string DataDirectory { get; }

    public int HttpPort { get; } = TestPorts.Claim();

    public int MqttPort { get; }

    public int SiloPort { get; } = TestPorts.Claim();

    public int GatewayPort { get; } = TestPorts.Claim();

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The first admin's password the tests start the server with.</summary>
    public const string AdminPassword = "test-admin-password";

    /// <summary>The admin's token; <see cref="Http"/> sends it.</summary>
    public string Token { get; private set; } = "";

    public bool IsRunning => _process is { HasExited: false };

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a server whose embedded broker listens on <paramref name="mqttPort"/>, in a data directory of its own
    /// that goes with it.
    /// </summary>
    public static async Task<ServerProcess> StartOn(int mqttPort, params string[] extraArgs)
    {
        var server = new ServerProcess(NewTempDirectory("pax-server"), mqttPort, extraArgs, ownsDataDirectory: true);
        try
        {
            await server.Start();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async Task Start()
    {
        var serverDll = Repository.ServerDll;
        if (!File.Exists(serverDll))
        {
            throw new FileNotFoundException("Build the server first (dotnet build Pax.Live.sln).", serverDll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "exec", serverDll,
            "--urls", BaseAddress.ToString(),
            "--Pax:Mqtt:BindAddress=127.0.0.1",
            $"--Pax:Mqtt:Port={MqttPort}",
            $"--Pax:Orleans:SiloPort={SiloPort}",
            $"--Pax:Orleans:GatewayPort={GatewayPort}",
            $"--Pax:DataDirectory={DataDirectory}",
            "--Pax:Live:StatusInterval=00:00:00.100",
            $"--Pax:Auth:AdminPassword={AdminPassword}",

            // The contract, storage, cluster and edge tests publish as anonymous lab devices, for any place and as fast
            // as they like; the device trust tests set both again (a later argument wins) to test the server as shipped.
            "--Pax:Mqtt:AllowAnonymous=true",
            "--Pax:Mqtt:MessagesPerSecond=0",

            // Tests sign many users in from one address.
            "--Pax:Http:LoginAttemptsPerMinute=100000",
            .. _extraArgs,
        ];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Http.BaseAddress ??= BaseAddress;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                // Without a timeout this also waits for the output readers to reach the end of both streams: the lines
                // that say why come last and may still be on their way.
                _process.WaitForExit();
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await Http.GetAsync("/healthz")).IsSuccessStatusCode && await MqttIsListening())
                {
                    Token = await this.Login("admin", AdminPassword);
                    Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"The server did not become healthy:\n{Output}");
    }

    /// <summary>Stops the server: gracefully (SIGTERM, as systemd does) or as a crash (SIGKILL).</summary>
    public async Task Stop(bool crash = false)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (crash)
        {
            process.Kill(entireProcessTree: true);
        }
        else
        {
            using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        Http.Dispose();
        if (_ownsDataDirectory)
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private async Task<bool> MqttIsListening()
    {
        if (_extraArgs.Contains("--Pax:Mqtt:Enabled=false"))
        {
            // No embedded broker: the node consumes from an external one.
            return true;
        }

        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, MqttPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (Environment.GetEnvironmentVariable("PAX_TEST_LOG_DIR") is { Length: > 0 } logs)
            {
                File.AppendAllText(Path.Combine(logs, Path.GetFileName(DataDirectory) + ".log"), line + "\n");
            }
        }
    }

    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}
