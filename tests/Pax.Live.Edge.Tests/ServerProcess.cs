using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// The real Pax.Live server as a child process with its embedded broker on a given MQTT port, so that a test can
/// kill it and start a new one on the same port (a broker restart, as a device sees it).
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ServerProcess(Process process, int httpPort)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

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

    /// <summary>Starts a server; <paramref name="allowAnonymous"/> false runs it as in production (device credentials required).</summary>
    public static async Task<ServerProcess> StartAsync(int mqttPort, bool allowAnonymous = true, params string[] extraArgs)
    {
        var serverDll = Path.Combine(RepoRoot(), "src", "Pax.Live.Server", "bin", Configuration(), "net10.0", "Pax.Live.Server.dll");
        if (!File.Exists(serverDll))
        {
            throw new FileNotFoundException("Build the server first (dotnet build Pax.Live.sln).", serverDll);
        }

        var httpPort = TestPorts.Claim();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "exec", serverDll, "--urls", $"http://127.0.0.1:{httpPort}",
            "--Pax:Mqtt:BindAddress=127.0.0.1", $"--Pax:Mqtt:Port={mqttPort}",
            $"--Pax:Orleans:SiloPort={TestPorts.Claim()}", $"--Pax:Orleans:GatewayPort={TestPorts.Claim()}",
            $"--Pax:DataDirectory={Path.Combine(Path.GetTempPath(), $"pax-edge-server-{Guid.NewGuid():N}")}",
            $"--Pax:Auth:AdminPassword={AdminPassword}",
            $"--Pax:Mqtt:AllowAnonymous={(allowAnonymous ? "true" : "false")}",
        }.Concat(extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        var server = new ServerProcess(process, httpPort);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with {process.ExitCode}:\n{server.Output}");
            }

            try
            {
                if ((await server.Http.GetAsync("/healthz")).IsSuccessStatusCode && await IsListening(mqttPort))
                {
                    await server.SignIn();
                    return server;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"The server did not become healthy:\n{server.Output}");
    }

    internal const string AdminPassword = "edge-tests-admin";

    private async Task SignIn()
    {
        var login = await Http.PostAsync(
            "/api/auth/login",
            new StringContent($"{{\"username\":\"admin\",\"password\":\"{AdminPassword}\"}}", System.Text.Encoding.UTF8, "application/json"));
        login.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("token").GetString());
    }

    /// <summary>Messages the server has accepted since it started.</summary>
    public async Task<long> AcceptedAsync()
    {
        using var stats = JsonDocument.Parse(await Http.GetStringAsync("/api/ingest/stats"));
        return stats.RootElement.GetProperty("accepted").GetInt64();
    }

    /// <summary>The ingest stats document (<c>accepted</c>, <c>rejected</c> by reason, <c>refusedConnections</c> by why).</summary>
    public async Task<JsonDocument> StatsAsync() => JsonDocument.Parse(await Http.GetStringAsync("/api/ingest/stats"));

    /// <summary><c>PUT /api/devices/{id} {place}</c> as an admin: the device's secret, shown this once.</summary>
    public async Task<string> ProvisionAsync(string deviceId, string placeId)
    {
        var response = await Http.PutAsync(
            $"/api/devices/{deviceId}",
            new StringContent(JsonSerializer.Serialize(new { place = placeId }), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /api/devices/{deviceId}: {(int)response.StatusCode} {text}");
        }

        using var body = JsonDocument.Parse(text);
        Assert.Equal(deviceId, body.RootElement.GetProperty("username").GetString());
        return body.RootElement.GetProperty("secret").GetString()!;
    }

    /// <summary>GET /api/places/{id}.</summary>
    public async Task<JsonDocument> PlaceAsync(string placeId) => JsonDocument.Parse(await Http.GetStringAsync($"/api/places/{placeId}"));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // Killed, not stopped: to the device this is a broker that vanished.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }


    private static async Task<bool> IsListening(int port)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pax.Live.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Pax.Live.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The built server, of the same configuration as these tests.</summary>
    internal static string ServerDll() => Path.Combine(RepoRoot(), "src", "Pax.Live.Server", "bin", Configuration(), "net10.0", "Pax.Live.Server.dll");

    private static string Configuration() =>
        typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
}
