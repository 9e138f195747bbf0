using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// The README's and docs/protocol.md's commands, taken from their fenced <c>bash</c> blocks and run as written against
/// the real server, as a newcomer would: the five-minute walkthrough, the edge quick starts (<c>simulate</c> and the
/// sample camera), and protocol.md's worked examples. Only the ports (free ones instead of 8080 and 1883) and
/// <c>dotnet run --project …</c> (the already built assemblies) are replaced; edit a command in the docs and this test
/// runs the edited one. Short commands run in one shell that keeps its variables (the third terminal); servers, the
/// watcher and agents run in their own.
/// </summary>
#pragma warning disable CA1001 // xunit disposes the test class through IAsyncLifetime.DisposeAsync.
[Collection(DocsExamplesCollection.Name)]
public sealed partial class DocsExamplesTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string WalkthroughPassword = "walkthrough-secret";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"pax-docs-{Guid.NewGuid():N}");
    private readonly int _httpPort = TestPorts.Claim();
    private readonly int _mqttPort = TestPorts.Claim();
    private readonly int _siloPort = TestPorts.Claim();
    private readonly int _gatewayPort = TestPorts.Claim();
    private readonly List<Background> _running = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private Terminal? _terminal;

    private static string Repo => Repository.Root;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_directory, "home"));

        // Commands name repository paths relative to its root, where the README runs them; the data goes here.
        Directory.CreateSymbolicLink(Path.Combine(_directory, "deploy"), Path.Combine(Repo, "deploy"));
        _http.BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}");
        _terminal = new Terminal(_directory, Environment());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _running)
        {
            await process.DisposeAsync();
        }

        if (_terminal is not null)
        {
            await _terminal.DisposeAsync();
        }

        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ReadmeWalkthroughEdgeQuickStartAndProtocolExamplesWorkAsWritten()
    {
        var readme = Markdown.Sections(await File.ReadAllTextAsync(Path.Combine(Repo, "README.md")));
        var walkthrough = readme.Single(s => s.Heading.StartsWith("Five minutes", StringComparison.Ordinal)).Blocks;
        Assert.True(walkthrough.Count >= 5, "the walkthrough has its five steps' commands");

        // 1. The server, with the walkthrough's password, on a fresh data directory.
        var server = Start(Assert.Single(Commands(walkthrough[0])));
        await WaitFor(async () => (await TryGet("/healthz")) is not null, "the server to become healthy", server);
        Assert.True(Directory.Exists(Path.Combine(_directory, "data")), "the data directory is ./data where the server was started");

        // 2. The watcher.
        var watcher = Start(Assert.Single(Commands(walkthrough[1])));
        await WaitFor(() => Task.FromResult(watcher.Output.Contains("stora-torget", StringComparison.Ordinal)), "the watcher's first statuses", watcher);
        Assert.True(!WarningLine().IsMatch(server.Output), $"a clean first start logs no warning:\n{string.Join('\n', WarningLine().Matches(server.Output).Select(m => m.Value))}");

        // 3. Sign in, provision cam-1, publish, read the place.
        var place = await RunAll(walkthrough[2]);
        AssertTokenLike("TOKEN");
        AssertTokenLike("SECRET");
        Assert.Contains("cam-1", place, StringComparison.Ordinal);
        await WaitFor(() => Task.FromResult(watcher.Output.Contains("\"level\":\"calm\"", StringComparison.Ordinal)), "the watcher to print calm", watcher);

        // 4. A bang.
        await RunAll(walkthrough[3]);
        await WaitFor(() => Task.FromResult(watcher.Output.Contains("ALERT", StringComparison.Ordinal) && watcher.Output.Contains("\"level\":\"alert\"", StringComparison.Ordinal)), "the watcher to print the alert", watcher);

        // 5. Broken input: counted as the README says, and each reason has its own warning line.
        var stats = LastJson(await RunAll(walkthrough[4]));
        Assert.True(
            stats.GetProperty("accepted").GetInt64() == 2 && stats.GetProperty("rejected").GetProperty("not_json").GetInt64() == 1
            && stats.GetProperty("rejected").GetProperty("not_allowed").GetInt64() == 1 && stats.GetProperty("refusedConnections").GetProperty("bad_credentials").GetInt64() == 1,
            $"step 5's stats as the README says them: {stats}");
        await WaitFor(() => Task.FromResult(server.Output.Contains(": not_json (", StringComparison.Ordinal) && server.Output.Contains(": not_allowed (", StringComparison.Ordinal)), "a warning line per reason", server);

        // The edge quick start: the simulator and the sample camera provision themselves; the password is typed.
        var token = await SignIn();
        var edge = readme.Single(s => s.Heading == "Edge agent").Blocks;
        var agents = edge.SelectMany(Commands).Where(c => c.Contains("edge/Pax.Live.Edge", StringComparison.Ordinal) && !c.Contains("--bench", StringComparison.Ordinal)).ToList();
        Assert.Contains(agents, c => c.Contains(" simulate ", StringComparison.Ordinal));
        Assert.Contains(agents, c => c.Contains("edge.sample.json", StringComparison.Ordinal));
        var edgeDoc = Markdown.Sections(await File.ReadAllTextAsync(Path.Combine(Repo, "docs", "edge.md"))).Single(s => s.Heading == "Running it").Blocks;
        foreach (var command in edgeDoc.SelectMany(Commands))
        {
            Assert.True(agents.Contains(command), $"docs/edge.md's `{command}` is one of the README's, which this test runs");
        }

        var started = agents.Select(c => Start(c, stdin: WalkthroughPassword)).ToList();
        foreach (var placeId in new[] { "stora-torget", "storgatan", "stadsparken", "resecentrum" })
        {
            await WaitFor(async () => await DevicesOnline(placeId, token, $"sim-{placeId}-1", $"sim-{placeId}-2"), $"both simulated devices online at {placeId}", started[0]);
        }

        await WaitFor(async () => await DevicesOnline("stora-torget", token, "cam-1"), "the sample camera cam-1 online at stora-torget", started[1]);
        var before = await Stats(token);
        await WaitFor(async () => (await Stats(token)).GetProperty("accepted").GetInt64() > before.GetProperty("accepted").GetInt64() + 20, "the agents' signals to be accepted", started[0]);
        foreach (var agent in started)
        {
            Assert.DoesNotContain("fail:", agent.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(WalkthroughPassword, agent.Output, StringComparison.Ordinal);
            await agent.DisposeAsync();
        }

        // protocol.md's worked examples, in order, in the same terminal.
        var protocol = Markdown.Sections(await File.ReadAllTextAsync(Path.Combine(Repo, "docs", "protocol.md")))
            .Single(s => s.Heading.StartsWith("7. Worked examples", StringComparison.Ordinal));
        Assert.NotEmpty(protocol.Blocks);
        foreach (var block in protocol.Blocks)
        {
            var expected = RejectionComment().Matches(block).Select(m => (Refused: m.Groups[1].Success, Reason: m.Groups[2].Value)).ToList();
            var statsBefore = await Stats(token);
            foreach (var command in Commands(block))
            {
                if (command.StartsWith("while ", StringComparison.Ordinal))
                {
                    // "Stop it with Ctrl-C": it runs a while, then dies without DISCONNECT, so the will says offline.
                    var loop = Start(command);
                    await WaitFor(async () => await DevicesOnline("stora-torget", token, "cam-1"), "the session to be online", loop);
                    await Task.Delay(TimeSpan.FromSeconds(6));
                    await loop.Interrupt();
                    await WaitFor(async () => !await DevicesOnline("stora-torget", token, "cam-1"), "the will to mark cam-1 offline", server);
                    continue;
                }

                await Run(command);
            }

            var statsAfter = await Stats(token);
            foreach (var (refused, reason) in expected)
            {
                var group = refused ? "refusedConnections" : "rejected";
                Assert.True(
                    statsAfter.GetProperty(group).GetProperty(reason).GetInt64() > statsBefore.GetProperty(group).GetProperty(reason).GetInt64(),
                    $"protocol.md says `{reason}` for a line of:\n{block}\nstats before {statsBefore}\nafter {statsAfter}");
            }
        }

        Assert.Contains(": unknown_kind (", server.Output, StringComparison.Ordinal);
        Assert.True(!FailureLine().IsMatch(server.Output), string.Join('\n', FailureLine().Matches(server.Output).Select(m => m.Value)));
    }

    private async Task<string> RunAll(string block)
    {
        var output = new StringBuilder();
        foreach (var command in Commands(block))
        {
            output.Append(await Run(command));
        }

        return output.ToString();
    }

    /// <summary>Runs a short command in the terminal; it must succeed unless it is the documented wrong password.</summary>
    private async Task<string> Run(string command)
    {
        var (status, output) = await _terminal!.Run(Substitute(command));
        if (!command.Contains("-P wrong", StringComparison.Ordinal))
        {
            Assert.True(status == 0, $"`{command}` exited with {status}:\n{output}");
        }

        return output;
    }

    private Background Start(string command, string? stdin = null)
    {
        var background = new Background(_directory, Environment(), _terminal!.VariablesFile, Substitute(command, longRunning: true), stdin);
        _running.Add(background);
        return background;
    }

    /// <summary>The documented command with this test's ports and the built assemblies.</summary>
    private string Substitute(string command, bool longRunning = false)
    {
        var edge = Path.Combine(AppContext.BaseDirectory, "Pax.Live.Edge.dll");
        var watch = Repository.Program("src/Pax.Live.Watch");
        var result = command
            .Replace("dotnet run --project src/Pax.Live.Server", $"dotnet exec {Repository.ServerDll} --urls http://127.0.0.1:{_httpPort} --Pax:Mqtt:BindAddress=127.0.0.1 --Pax:Mqtt:Port={_mqttPort} --Pax:Orleans:SiloPort={_siloPort} --Pax:Orleans:GatewayPort={_gatewayPort}", StringComparison.Ordinal)
            .Replace("dotnet run --project src/Pax.Live.Watch --", $"dotnet exec {watch}", StringComparison.Ordinal)
            .Replace("localhost:8080", $"localhost:{_httpPort}", StringComparison.Ordinal)
            .Replace("-p 1883", $"-p {_mqttPort}", StringComparison.Ordinal);
        if (result.Contains("dotnet run --project edge/Pax.Live.Edge --", StringComparison.Ordinal))
        {
            // The broker's port goes last: `simulate` must stay the first argument, and a later argument wins.
            result = TrailingComment().Replace(result, "").Replace("dotnet run --project edge/Pax.Live.Edge --", $"dotnet exec {edge}", StringComparison.Ordinal)
                + $" --Edge:Mqtt:Port={_mqttPort}";
        }

        Assert.True(longRunning || !result.Contains("dotnet run", StringComparison.Ordinal), $"a command this test does not know how to run: {command}");
        return result;
    }

    private Dictionary<string, string> Environment() => new()
    {
        // A fresh machine: nothing in the user's profile from an earlier run.
        ["HOME"] = Path.Combine(_directory, "home"),
    };

    private void AssertTokenLike(string variable)
    {
        var value = _terminal!.Variable(variable);
        Assert.True(value is { Length: > 10 } && TokenLike().IsMatch(value), $"${variable} should hold a token or secret, not: {value}");
    }

    /// <summary>The commands of a block: continuation lines joined, loops kept whole; install and test commands and benchmarks left out.</summary>
    private static List<string> Commands(string block)
    {
        var commands = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        foreach (var raw in block.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.Trim();
            if (depth == 0 && (line.Length == 0 || line.StartsWith('#')))
            {
                continue;
            }

            current.AppendLine(line);
            depth += Regex.Count(line, @"^(while|for|if)\b") - Regex.Count(line, @"^(done|fi)\b");
            if (depth == 0)
            {
                var command = current.ToString().Trim();
                current.Clear();
                if (!command.StartsWith("apt-get ", StringComparison.Ordinal) && !command.StartsWith("./test.sh", StringComparison.Ordinal)
                    && !command.Contains("--bench", StringComparison.Ordinal))
                {
                    commands.Add(command);
                }
            }
        }

        return commands;
    }

    private async Task<string> SignIn()
    {
        using var login = await _http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = WalkthroughPassword });
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private async Task<JsonElement> Stats(string token) => JsonDocument.Parse(await Get("/api/ingest/stats", token)).RootElement.Clone();

    private async Task<bool> DevicesOnline(string placeId, string token, params string[] deviceIds)
    {
        using var place = JsonDocument.Parse(await Get($"/api/places/{placeId}", token));
        var online = place.RootElement.GetProperty("devices").EnumerateArray()
            .Where(d => d.GetProperty("online").GetBoolean()).Select(d => d.GetProperty("deviceId").GetString()).ToHashSet();
        return deviceIds.All(online.Contains);
    }

    private async Task<string> Get(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<string?> TryGet(string path)
    {
        try
        {
            using var response = await _http.GetAsync(path);
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static JsonElement LastJson(string output)
    {
        var start = output.LastIndexOf("{\"accepted\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no stats in:\n{output}");
        using var reader = JsonDocument.Parse(output[start..].Split('\n')[0]);
        return reader.RootElement.Clone();
    }

    private static async Task WaitFor(Func<Task<bool>> condition, string what, Background process)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            if (process.HasExited)
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"Waited in vain for {what}. `{process.Command}` printed:\n{process.Output}");
    }

    [GeneratedRegex(@"(?m)^.*\b(warn|fail|crit):.*$")]
    private static partial Regex WarningLine();

    [GeneratedRegex(@"(?m)^.*\b(fail|crit):.*$")]
    private static partial Regex FailureLine();

    [GeneratedRegex(@"#\s*(refused:\s*)?([a-z_]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RejectionComment();

    [GeneratedRegex(@"\s+#\s.*$")]
    private static partial Regex TrailingComment();

    [GeneratedRegex(@"^[A-Za-z0-9._\-]+$")]
    private static partial Regex TokenLike();

    /// <summary>A markdown document's <c>##</c>/<c>###</c> sections and their fenced bash blocks.</summary>
    private static class Markdown
    {
        public static List<(string Heading, List<string> Blocks)> Sections(string text)
        {
            var sections = new List<(string Heading, List<string> Blocks)>();
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i];
                if (line.StartsWith("## ", StringComparison.Ordinal))
                {
                    sections.Add((line[3..].Trim(), []));
                }
                else if (line.TrimStart().StartsWith("```bash", StringComparison.Ordinal) && sections.Count > 0)
                {
                    var indent = line.Length - line.TrimStart().Length;
                    var block = new StringBuilder();
                    while (++i < lines.Length && !lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal))
                    {
                        block.Append(lines[i].Length >= indent ? lines[i][indent..] : lines[i].TrimStart()).Append('\n');
                    }

                    sections[^1].Blocks.Add(block.ToString());
                }
            }

            return sections;
        }
    }

    /// <summary>One persistent bash, like a terminal: variables set by one command are there for the next.</summary>
    private sealed class Terminal : IAsyncDisposable
    {
        private readonly CapturedProcess _bash;
        private readonly string _directory;
        private int _count;

        public Terminal(string directory, Dictionary<string, string> environment)
        {
            _directory = directory;
            _bash = new CapturedProcess(directory, environment, "bash", ["--noprofile", "--norc"]);
        }

        public string VariablesFile => Path.Combine(_directory, "terminal-variables.sh");

        public async Task<(int Status, string Output)> Run(string command)
        {
            var n = ++_count;
            var script = Path.Combine(_directory, $"command-{n}.sh");
            await File.WriteAllTextAsync(script, command + "\n");
            var marker = $"__done_{n}_";
            var from = _bash.Length;

            // Commands read nothing from this shell's input; the variables are written out for the other terminals.
            await _bash.Process.StandardInput.WriteLineAsync(
                $"source {script} < /dev/null; s=$?; declare -p | grep -E '^declare -[-x]+ [A-Z][A-Z0-9_]*=' > {VariablesFile}; echo {marker}$s");
            await _bash.Process.StandardInput.FlushAsync();
            var deadline = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < deadline)
            {
                var text = _bash.OutputFrom(from);

                var at = text.IndexOf(marker, StringComparison.Ordinal);
                if (at >= 0)
                {
                    var status = int.Parse(text[(at + marker.Length)..].Split('\n')[0].Trim(), System.Globalization.CultureInfo.InvariantCulture);
                    return (status, text[..at]);
                }

                await Task.Delay(100);
            }

            throw new TimeoutException($"`{command}` did not finish");
        }

        public string? Variable(string name)
        {
            foreach (var line in File.ReadAllLines(VariablesFile))
            {
                var match = Regex.Match(line, $"^declare -[-x]+ {name}=\"(.*)\"$");
                if (match.Success)
                {
                    return match.Groups[1].Value;
                }
            }

            return null;
        }

        public async ValueTask DisposeAsync()
        {
            _bash.Process.StandardInput.Close();
            if (!_bash.Process.WaitForExit(5000))
            {
                _bash.Process.Kill(entireProcessTree: true);
            }

            await _bash.Process.WaitForExitAsync();
            _bash.Process.Dispose();
        }
    }

    /// <summary>A command in a terminal of its own, with the first terminal's variables, stopped (killed) at the end.</summary>
    private sealed class Background : IAsyncDisposable
    {
        private readonly CapturedProcess _captured;
        private bool _disposed;

        public Background(string directory, Dictionary<string, string> environment, string variables, string command, string? stdin)
        {
            Command = command;
            // In a process group of its own (setsid), so that Ctrl-C can be sent to all of it, as a terminal does.
            _captured = new CapturedProcess(
                directory, environment, "setsid", ["bash", "--noprofile", "--norc", "-c", $"[ -f {variables} ] && source {variables}; {command}"]);
            if (stdin is not null)
            {
                _captured.Process.StandardInput.WriteLine(stdin);
            }

            _captured.Process.StandardInput.Close();
        }

        public string Command { get; }

        /// <summary>Ctrl-C: SIGINT to every process of the command at once.</summary>
        public async Task Interrupt()
        {
            using (var kill = Process.Start("kill", ["-INT", "--", $"-{_captured.Process.Id}"]))
            {
                await kill.WaitForExitAsync();
            }

            using var stopped = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _captured.Process.WaitForExitAsync(stopped.Token);
        }

        public bool HasExited => _disposed || _captured.Process.HasExited;

        public string Output => _captured.OutputFrom(0);

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_captured.Process.HasExited)
            {
                _captured.Process.Kill(entireProcessTree: true);
            }

            await _captured.Process.WaitForExitAsync();
            _captured.Process.Dispose();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DocsExamplesCollection
{
    public const string Name = "docs examples";
}
