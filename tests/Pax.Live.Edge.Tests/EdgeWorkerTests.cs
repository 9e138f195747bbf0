using Microsoft.Extensions.Logging;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

public sealed class EdgeWorkerTests
{
    [Fact]
    public async Task CameraWithoutPurposeOrLegalBasisIsRefusedAtStart()
    {
        var logs = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var options = new EdgeOptions
        {
            Store = { Directory = Path.Combine(Path.GetTempPath(), "pax-edge-refused-" + Guid.NewGuid().ToString("N")) },
            Cameras = [new CameraOptions { DeviceId = "cam-1", PlaceId = "stora-torget", Source = Footage.Vtest }],
        };
        using var worker = new EdgeWorker(Microsoft.Extensions.Options.Options.Create(options), loggers);
        await worker.StartAsync(CancellationToken.None);
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(logs.Lines, l => l.Contains("Camera refused", StringComparison.Ordinal) && l.Contains("purpose is missing", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("legalBasis is missing", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Contains("Nothing to run", StringComparison.Ordinal));
        Assert.False(Directory.Exists(options.Store.Directory), "a refused camera gets no outbox and no connection");
    }

    [Fact]
    public async Task CameraWorkerPlaysAFileAndItsAlertGradeMessagesWaitWhileTheBrokerIsAway()
    {
        // As the agent runs a camera: a file at its own pace (first frame at 0 s), no broker reachable.
        var logs = new ListLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var store = Path.Combine(Path.GetTempPath(), "pax-edge-worker-" + Guid.NewGuid().ToString("N"));
        var camera = new CameraOptions
        {
            DeviceId = "cam-1", PlaceId = "stora-torget", Source = Footage.Vtest, Purpose = "test", LegalBasis = "test",
        };
        try
        {
            await using var publisher = new Pax.Live.Edge.Mqtt.DevicePublisher(
                new MqttOptions { Host = "127.0.0.1", Port = TestPorts.Claim(), ReconnectSeconds = 0.2 },
                new StoreOptions { Directory = store }, camera.PlaceId, camera.DeviceId, loggers.CreateLogger("publisher"));
            // Long enough for the people detector's model to load on a busy machine before the first frame.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var publishing = publisher.RunAsync(stop.Token);
            var worker = new Pax.Live.Edge.Analysis.CameraWorker(camera, publisher, loggers.CreateLogger("camera"));
            await Task.Run(() => worker.Run(stop.Token));
            await publishing;
            Assert.DoesNotContain(logs.Lines, l => l.Contains("analysis failed", StringComparison.Ordinal));

            // The first message says tamper 0 (clear), an event kind: alert-grade, so it waits on disk.
            Assert.True(publisher.Waiting >= 1, string.Join("\n", logs.Lines));
        }
        finally
        {
            if (Directory.Exists(store))
            {
                Directory.Delete(store, recursive: true);
            }
        }
    }

    private sealed class ListLoggerProvider : ILoggerProvider
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

        public ILogger CreateLogger(string categoryName) => new ListLogger(this);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ListLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (provider._lines)
                {
                    provider._lines.Add(formatter(state, exception));
                }
            }
        }
    }
}
