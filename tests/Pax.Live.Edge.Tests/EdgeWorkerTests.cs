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
