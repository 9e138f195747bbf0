using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Pax.Live.Server.Tests;

/// <summary>
/// Runs the real server as a child process on free loopback ports (HTTP, MQTT, silo, gateway), exactly as
/// <c>dotnet run --project src/Pax.Live.Server</c> would, and stops it at the end.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public int HttpPort { get; } = FreePort();

    public int MqttPort { get; } = FreePort();

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public HttpClient Http { get; private set; } = null!;

    /// <summary>What the server has printed so far, for failure messages.</summary>
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

    public async Task InitializeAsync()
    {
        var serverDll = Path.Combine(RepoRoot(), "src", "Pax.Live.Server", "bin", Configuration(), "net10.0", "Pax.Live.Server.dll");
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
        foreach (var arg in new[]
        {
            "exec", serverDll,
            "--urls", BaseAddress.ToString(),
            "--Pax:Mqtt:BindAddress=127.0.0.1",
            $"--Pax:Mqtt:Port={MqttPort}",
            $"--Pax:Orleans:SiloPort={FreePort()}",
            $"--Pax:Orleans:GatewayPort={FreePort()}",
            "--Pax:Live:StatusInterval=00:00:00.100",
        })
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                if ((await Http.GetAsync("/healthz")).IsSuccessStatusCode && await MqttIsListening())
                {
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

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }

    /// <summary>Whether the server process is still running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    private async Task<bool> MqttIsListening()
    {
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
        }
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pax.Live.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Pax.Live.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Configuration() =>
        typeof(ServerFixture).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
