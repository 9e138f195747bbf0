using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Audio;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests.Audio;

/// <summary>Microphones and cameras' sound in the agent: permits, the camera's periodic message, and the real server.</summary>
public sealed class MicrophoneTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string _store = Path.Combine(Path.GetTempPath(), "pax-edge-mic-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void MicrophoneWithoutPurposeOrLegalBasisIsRefusedAndACameraWithBadCalibrationToo()
    {
        var microphone = new MicrophoneOptions { DeviceId = "mic-1", PlaceId = "stora-torget", Source = "alsa:default" };
        var errors = microphone.Validate();
        Assert.Contains(errors, e => e.Contains("purpose is missing", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("legalBasis is missing", StringComparison.Ordinal));

        microphone.Purpose = "Hearing shots and explosions on Stora torget";
        microphone.LegalBasis = "Permit for sound recording in a public place";
        Assert.Empty(microphone.Validate());

        var camera = new CameraOptions
        {
            DeviceId = "cam-1", PlaceId = "stora-torget", Source = "rtsp://cam/1", Purpose = "p", LegalBasis = "l",
            Audio = { Enabled = true, FullScaleDb = 20 },
        };
        Assert.Contains(camera.Validate(), e => e.Contains("fullScaleDb", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EdgeWorkerRefusesAMicrophoneWithoutAPermitAndStartsNothingForIt()
    {
        using var loggers = LoggerFactory.Create(_ => { });
        var options = new EdgeOptions
        {
            Store = { Directory = _store },
            Microphones = [new MicrophoneOptions { DeviceId = "mic-1", PlaceId = "stora-torget", Source = Bang() }],
        };
        using var worker = new EdgeWorker(Microsoft.Extensions.Options.Options.Create(options), loggers);
        await worker.StartAsync(CancellationToken.None);
        await worker.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(Directory.Exists(_store), "a refused microphone gets no outbox and no connection");
    }

    [Fact]
    public void ACamerasSoundLevelGoesOutWithItsPeriodicReadingsWhileFresh()
    {
        var sound = new SoundLevel();
        using var pipeline = new CameraPipeline(new CameraOptions { Source = "test", Tamper = { Enabled = false }, Fire = { Enabled = false } }) { Sound = sound };

        var before = pipeline.TryEmit(TimeSpan.Zero, 10_000);
        Assert.DoesNotContain("sound", System.Text.Encoding.UTF8.GetString(before!.Payload), StringComparison.Ordinal);

        sound.Set(63.5, 10_400);
        var message = pipeline.TryEmit(TimeSpan.FromSeconds(1), 11_000)!;
        Assert.Equal([63.5], SoundLevelTests.Values(message, "sound"));
        Assert.False(message.AlertGrade);

        // The sound stopped coming (ffmpeg lost the stream): no stale level.
        var later = pipeline.TryEmit(TimeSpan.FromSeconds(5), 15_000)!;
        Assert.Empty(SoundLevelTests.Values(later, "sound"));
    }

    [Fact]
    public void ACamerasAudioWorkerSetsItsLevelAndPublishesItsImpulsesAsAlertGradeMessages()
    {
        var sound = new SoundLevel();
        var messages = new List<SignalMessage>();
        var worker = new AudioWorker("cam-1", Bang(), new AudioOptions { Enabled = true }, loop: false, m => { lock (messages) { messages.Add(m); } }, sound, NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        worker.Run(stop.Token);

        // A file plays at its own pace: six seconds of sound take about six seconds.
        Assert.True(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - started >= 5_000);
        var impulse = Assert.Single(messages);
        Assert.True(impulse.AlertGrade);
        Assert.InRange(impulse.Timestamp, started + 2_400, started + 2_700);
        Assert.True(sound.TryGet(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), out var dba));
        Assert.InRange(dba, 60, 90);
    }

    [Fact]
    public async Task AMicrophonesImpulseRaisesAnAlertThroughTheRealServer()
    {
        var port = TestPorts.Claim();
        await using var server = await ServerProcess.StartOn(port);
        using var loggers = LoggerFactory.Create(_ => { });
        var options = new EdgeOptions
        {
            Mqtt = { Host = "127.0.0.1", Port = port, ReconnectSeconds = 0.5, KeepAliveSeconds = 5 },
            Store = { Directory = _store },
            Microphones =
            [
                new MicrophoneOptions
                {
                    DeviceId = "mic-1", PlaceId = "stora-torget", Source = Bang(), Loop = true,
                    Purpose = "Hearing shots and explosions on Stora torget", LegalBasis = "Test",
                },
            ],
        };
        using var worker = new EdgeWorker(Microsoft.Extensions.Options.Options.Create(options), loggers);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                using var place = await server.Place("stora-torget");
                var impulse = place.RootElement.GetProperty("openAlerts").EnumerateArray().Any(a => a.GetProperty("kind").GetString() == "impulse");
                var heard = place.RootElement.GetProperty("devices").EnumerateArray().Any(d => d.GetProperty("deviceId").GetString() == "mic-1");
                if (impulse && heard)
                {
                    // The levels went too, one message a second beside the impulse.
                    Assert.True(await server.Accepted() >= 3, $"{await server.Accepted()} messages accepted");
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"No impulse alert from mic-1 within {Patience}: {place.RootElement.GetRawText()}\n{server.Output}");
                await Task.Delay(200);
            }
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ASourceWithoutSoundIsRetriedWithoutStoppingAndStopsWhenAsked()
    {
        // A camera stream with no audio track (here: a video file without one) and a device that does not exist.
        var logs = new List<string>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(logs)));
        using var stop = new CancellationTokenSource();
        var silent = new AudioWorker("cam-1", Footage.Vtest, new AudioOptions(), loop: true, _ => { }, new SoundLevel(), loggers.CreateLogger("a"), TimeSpan.FromMilliseconds(200));
        var missing = new AudioWorker("mic-1", "alsa:hw:9,9", new AudioOptions(), loop: false, _ => { }, null, loggers.CreateLogger("b"), TimeSpan.FromMilliseconds(200));
        var runs = new[] { Task.Run(() => silent.Run(stop.Token)), Task.Run(() => missing.Run(stop.Token)) };
        var deadline = DateTime.UtcNow + Patience;
        while (Count(logs, "cam-1") < 2 || Count(logs, "mic-1") < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, string.Join("\n", Snapshot(logs)));
            await Task.Delay(100);
        }

        await stop.CancelAsync();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static int Count(List<string> logs, string device) => Snapshot(logs).Count(l => l.StartsWith(device + ": the sound stopped", StringComparison.Ordinal));

    private static List<string> Snapshot(List<string> logs)
    {
        lock (logs)
        {
            return [.. logs];
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add(formatter(state, exception));
                }
            }
        }
    }

    // Six seconds of street sound with a shot at 2.5 s.
    private static string Bang()
    {
        var file = Path.Combine(Sounds.Directory, "street-shot.wav");
        if (!File.Exists(file))
        {
            var mix = Beds.Make("street", 6, seed: 9);
            Sounds.Mix(mix, Sounds.NWave(0.4, 1.5, 12000, 3), (int)(2.5 * Sounds.Rate));
            Sounds.WriteWav(file, mix);
        }

        return file;
    }

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }
}
