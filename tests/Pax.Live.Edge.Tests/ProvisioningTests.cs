using System.Diagnostics;
using System.Text;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// <c>pax-edge simulate --server … --user admin</c> against a server that refuses anonymous devices: the agent process
/// provisions its devices through the API, and says clearly when it cannot.
/// </summary>
public sealed class ProvisioningTests
{
    [Fact]
    public async Task AWrongAdminPasswordStopsTheAgentWithExitCode1AndSaysWhy()
    {
        var mqttPort = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(mqttPort, "--Pax:Mqtt:AllowAnonymous=false");
        var (exitCode, output) = await RunAgent(TimeSpan.FromSeconds(60), "simulate", "--server", server.Http.BaseAddress!.ToString(), "--user", "admin",
            "--password", "not-the-password", $"--Edge:Mqtt:Port={mqttPort}", $"--Edge:Store:Directory={Temp()}");
        Assert.True(exitCode == 1, $"exit code {exitCode}, output:\n{output}");
        Assert.Contains("refused the sign-in of 'admin' (401)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeviceTheServerRefusesIsLoggedAndTheOthersRunWithTheirIssuedSecrets()
    {
        var mqttPort = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(mqttPort, "--Pax:Mqtt:AllowAnonymous=false");
        var store = Temp();
        using var agent = StartAgent(
            "simulate", "--server", server.Http.BaseAddress!.ToString(), "--user", "admin",
            "--Edge:Simulator:Places:0=stora-torget", "--Edge:Simulator:Places:1=nowhere", "--Edge:Simulator:DevicesPerPlace=1",
            $"--Edge:Mqtt:Port={mqttPort}", $"--Edge:Store:Directory={store}");
        var output = new StringBuilder();
        agent.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        agent.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();

        // No --password and no PAX_PASSWORD: asked for, and read from the input as a user types it.
        await agent.StandardInput.WriteLineAsync(ServerProcess.AdminPassword);
        agent.StandardInput.Close();
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            var online = false;
            while (!online && DateTime.UtcNow < deadline && !agent.HasExited)
            {
                using var place = await server.Place("stora-torget");
                online = place.RootElement.GetProperty("devices").EnumerateArray()
                    .Any(d => d.GetProperty("deviceId").GetString() == "sim-stora-torget-1" && d.GetProperty("online").GetBoolean());
                await Task.Delay(250);
            }

            string text;
            lock (output)
            {
                text = output.ToString();
            }

            Assert.True(online, $"sim-stora-torget-1 online with its issued secret; the agent printed:\n{text}");
            Assert.Contains("Device not started:", text, StringComparison.Ordinal);
            Assert.Contains("sim-nowhere-1 for nowhere (404)", text, StringComparison.Ordinal);
            Assert.DoesNotContain(ServerProcess.AdminPassword, text, StringComparison.Ordinal);
            Assert.False(agent.HasExited, "the agent keeps running the devices it could provision");
            var stats = await server.Stats();
            Assert.Equal(0, stats.RefusedConnections!["bad_credentials"]);
        }
        finally
        {
            if (!agent.HasExited)
            {
                agent.Kill(entireProcessTree: true);
            }

            await agent.WaitForExitAsync();
        }
    }

    private static string Temp() => Path.Combine(Path.GetTempPath(), $"pax-provision-{Guid.NewGuid():N}");

    private static async Task<(int ExitCode, string Output)> RunAgent(TimeSpan timeout, params string[] args)
    {
        using var agent = StartAgent(args);
        agent.StandardInput.Close();
        var stdout = agent.StandardOutput.ReadToEndAsync();
        var stderr = agent.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await agent.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            agent.Kill(entireProcessTree: true);
            throw new TimeoutException($"The agent did not exit:\n{await stdout}{await stderr}");
        }

        return (agent.ExitCode, await stdout + await stderr);
    }

    private static Process StartAgent(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("PAX_PASSWORD");
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Pax.Live.Edge.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("The agent did not start.");
    }
}
