using Microsoft.Extensions.Logging;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// The agent against the server as it runs in production: no anonymous devices, each device provisioned through the
/// admin API with its own secret, and a budget per device.
/// </summary>
public sealed class DeviceTrustTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _store = Path.Combine(Path.GetTempPath(), "pax-edge-trust-" + Guid.NewGuid().ToString("N"));

    public DeviceTrustTests() => Directory.CreateDirectory(_store);

    [Fact]
    public async Task EachCameraOfOneAgentConnectsWithItsOwnSecretAndItsSignalsAreAcceptedAtItsPlace()
    {
        var port = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(port, "--Pax:Mqtt:AllowAnonymous=false");
        var secretA = await server.Provision("cam-trust-a", "stora-torget");
        var secretB = await server.Provision("cam-trust-b", "storgatan");
        var fileB = Path.Combine(_store, "cam-trust-b.secret");
        await File.WriteAllTextAsync(fileB, secretB + "\n");

        var logs = new LogLines();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var options = new EdgeOptions
        {
            // Process-wide credentials that would be refused: each camera must use its own.
            Mqtt = { Host = "127.0.0.1", Port = port, ReconnectSeconds = 0.5, Username = "nobody", Password = "not-a-secret" },
            Store = { Directory = Path.Combine(_store, "outbox") },
            Cameras =
            [
                Camera("cam-trust-a", "stora-torget", new DeviceCredentials { Password = secretA }),
                Camera("cam-trust-b", "storgatan", new DeviceCredentials { Username = "cam-trust-b", PasswordFile = fileB }),
            ],
        };
        using var worker = new EdgeWorker(Microsoft.Extensions.Options.Options.Create(options), loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Until(async () => await Online(server, "stora-torget", "cam-trust-a") && await Online(server, "storgatan", "cam-trust-b")
                && await server.Accepted() >= 6, "both cameras online at their places with signals accepted", server);
            var stats = await server.Stats();
            Assert.Equal(0, stats.Rejected["not_allowed"]);
            using var place = await server.Place("stora-torget");
            Assert.DoesNotContain(place.RootElement.GetProperty("devices").EnumerateArray(), d => d.GetProperty("deviceId").GetString() == "cam-trust-b");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.DoesNotContain(logs.Lines, l => l.Contains(secretA, StringComparison.Ordinal) || l.Contains(secretB, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWrongSecretIsRefusedAndRetriedAndKeptAlertsGoOutOnceTheIssuedSecretIsWritten()
    {
        var port = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(port, "--Pax:Mqtt:AllowAnonymous=false");
        var secret = await server.Provision("cam-trust-w", "stora-torget");
        var file = Path.Combine(_store, "cam-trust-w.secret");
        await File.WriteAllTextAsync(file, "a-wrong-secret");

        var logs = new LogLines();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var publisher = NewPublisher(port, "cam-trust-w", new DeviceCredentials { PasswordFile = file }, loggers.CreateLogger("publisher"));
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);

        // Refused, and tried again: the broker counts more than one refusal; the publisher is still running.
        await Until(async () => await Refusals(server) >= 3, "refused three times", server);
        Assert.False(publisher.IsConnected);
        Assert.False(run.IsCompleted);
        Assert.Contains(logs.Lines, l => l.Contains("refused the connection as user cam-trust-w", StringComparison.Ordinal));

        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 3; i++)
        {
            publisher.Publish(SignalMessage.Create(ts + i, [new Signal(SignalKind.Motion, 0.2), new Signal(SignalKind.Fire, 0.9)]));
        }

        await Until(() => Task.FromResult(publisher.Waiting == 3), "three alert-grade messages kept on disk", server);

        // The installer writes the issued secret into the file: the next attempt connects and the kept messages go.
        await File.WriteAllTextAsync(file, secret + "\n");
        await Until(async () => publisher.Waiting == 0 && await FireCount(server) == 3, "connected and three fire messages accepted", server);

        // Provisioned again: a new secret, and the server drops the connection made with the old one.
        var refusedBefore = await Refusals(server);
        var renewed = await server.Provision("cam-trust-w", "stora-torget");
        await Until(async () => !publisher.IsConnected && await Refusals(server) > refusedBefore, "dropped and refused with the old secret", server);
        for (var i = 3; i < 5; i++)
        {
            publisher.Publish(SignalMessage.Create(ts + i, [new Signal(SignalKind.Fire, 0.9)]));
        }

        await Until(() => Task.FromResult(publisher.Waiting == 2), "two more kept on disk", server);
        await File.WriteAllTextAsync(file, renewed);
        await Until(async () => publisher.Waiting == 0 && await FireCount(server) == 5, "the renewed secret delivers the two kept messages", server);
        Assert.False(run.IsCompleted);

        await stop.CancelAsync();
        await run;
        Assert.DoesNotContain(logs.Lines, l => l.Contains(secret, StringComparison.Ordinal) || l.Contains(renewed, StringComparison.Ordinal)
            || l.Contains("a-wrong-secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AlertGradeMessagesOverTheBudgetAreKeptAndSentLaterInsteadOfDropped()
    {
        var port = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(
            port, "--Pax:Mqtt:AllowAnonymous=false",
            "--Pax:Mqtt:MessagesPerSecond=0.5", "--Pax:Mqtt:Burst=2", "--Pax:Mqtt:EventsPerSecond=0.2", "--Pax:Mqtt:EventBurst=1");
        var secret = await server.Provision("cam-trust-q", "stora-torget");
        var logs = new LogLines();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        await using var publisher = NewPublisher(port, "cam-trust-q", new DeviceCredentials { Password = secret }, loggers.CreateLogger("publisher"));
        using var stop = new CancellationTokenSource();
        var run = publisher.RunAsync(stop.Token);
        await Until(() => Task.FromResult(publisher.IsConnected), "connected", server);

        // Eight fire messages at once: far over a budget of 2 + 1 messages and 0.7 a second after that.
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 0; i < 8; i++)
        {
            publisher.Publish(SignalMessage.Create(ts + i, [new Signal(SignalKind.Fire, 0.9)]));
        }

        await Until(async () => publisher.Waiting == 0 && await FireCount(server) == 8, "all eight fire messages accepted in the end", server);
        Assert.True(publisher.Refused > 0, "the broker answered quota exceeded at least once");
        Assert.True((await server.Stats()).Rejected["rate_limited"] > 0);

        Assert.Contains(logs.Lines, l => l.Contains("quota exceeded", StringComparison.Ordinal));
        await stop.CancelAsync();
        await run;
    }

    private static CameraOptions Camera(string deviceId, string placeId, DeviceCredentials credentials) => new()
    {
        DeviceId = deviceId,
        PlaceId = placeId,
        Source = Footage.Vtest,
        Loop = true,
        Purpose = "test",
        LegalBasis = "test",
        Credentials = credentials,

        // HOG is the expensive analyser and not what this test is about; two cores are shared by the whole suite.
        People = { Enabled = false },
    };

    private DevicePublisher NewPublisher(int port, string deviceId, DeviceCredentials credentials, ILogger logger) => new(
        new MqttOptions { Host = "127.0.0.1", Port = port, ReconnectSeconds = 0.5, KeepAliveSeconds = 5 },
        new StoreOptions { Directory = Path.Combine(_store, "outbox"), MaxMessages = 100 },
        "stora-torget", deviceId, logger, credentials);

    private static async Task<long> Refusals(ServerProcess server)
    {
        var stats = await server.Stats();
        return stats.RefusedConnections!["bad_credentials"];
    }

    private static async Task<bool> Online(ServerProcess server, string placeId, string deviceId)
    {
        using var place = await server.Place(placeId);
        return place.RootElement.GetProperty("devices").EnumerateArray()
            .Any(d => d.GetProperty("deviceId").GetString() == deviceId && d.GetProperty("online").GetBoolean());
    }

    private static async Task<int> FireCount(ServerProcess server)
    {
        using var place = await server.Place("stora-torget");
        return place.RootElement.GetProperty("openAlerts").EnumerateArray()
            .Where(a => a.GetProperty("kind").GetString() == "fire")
            .Sum(a => a.GetProperty("count").GetInt32());
    }

    private static async Task Until(Func<Task<bool>> condition, string what, ServerProcess server)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Not {what} within {Patience}.\n{server.Output}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    /// <summary>Every log line, to check that no secret is ever written.</summary>
    private sealed class LogLines : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(LogLines owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._lines)
                {
                    owner._lines.Add(formatter(state, exception) + exception);
                }
            }
        }
    }
}
