using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Pax.Live.Contracts;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Tests;

/// <summary>RTSP through Debian's ffmpeg as a child process, against a real RTSP server (GStreamer's) on 127.0.0.1.</summary>
public sealed class RtspSourceTests
{
    private const string User = "viewer";
    private const string Password = "s3cret-pass";

    [Fact]
    public void H264OverRtspWithCredentialsIsReadFrameByFrameAndTheMovingBallShowsAsMotion()
    {
        using var camera = RtspCamera.Start(user: User, password: Password);
        using var source = new VideoSource(camera.Url(User, Password), loop: false);
        // Tamper off: the test pattern (a small ball on black) looks like a covered lens, which holds back motion.
        using var pipeline = new CameraPipeline(new CameraOptions { Source = "rtsp", People = { Enabled = false }, Tamper = { Enabled = false } });
        using var frame = new Mat();
        var signals = new Signal[SignalPayload.MaxSignals];
        Assert.False(source.IsFile);

        var motion = new List<double>();
        for (var i = 0; i < 75; i++)
        {
            Assert.True(source.Grab(), $"frame {i}\n{source.LastError}\n{camera.Output}");
            if (pipeline.IsDue(source.Time) && source.Retrieve(frame))
            {
                Assert.Equal(new Size(320, 240), frame.Size());
                Assert.Equal(MatType.CV_8UC3, frame.Type());
                pipeline.Analyse(frame, source.Time);
            }

            if (pipeline.TryEmit(source.Time, 1) is { } message)
            {
                SignalPayload.Parse(message.Payload, long.MaxValue / 2, signals, out _, out var count);
                motion.Add(signals[..count].ToArray().Single(s => s.Kind == SignalKind.Motion).Value);
            }
        }

        // 75 frames at 25 fps take about three seconds of the stream's own pace: it is live, not a file.
        Assert.InRange(source.Time.TotalSeconds, 2, 30);
        Assert.True(motion.Skip(1).Max() > 0.001, "the ball moves: " + string.Join(", ", motion));
        Assert.Equal(25, source.Fps);
    }

    [Fact]
    public void DecodeHeightScalesTheFramesInFfmpeg()
    {
        using var camera = RtspCamera.Start();
        using var source = new VideoSource(camera.Url(), loop: false, decodeHeight: 120);
        using var frame = new Mat();
        Assert.True(source.Grab(), source.LastError + camera.Output);
        Assert.True(source.Retrieve(frame));
        Assert.Equal(new Size(160, 120), frame.Size());
    }

    [Fact]
    public void AWrongPasswordFailsAndTheErrorNamesTheRefusalButNeverThePassword()
    {
        using var camera = RtspCamera.Start(user: User, password: Password);
        const string wrong = "not-the-right-one";
        using var source = new VideoSource(camera.Url(User, wrong), loop: false);
        var error = Assert.Throws<IOException>(() => source.Grab());
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, error.Message, StringComparison.Ordinal);
        Assert.Contains($"{User}:***@", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WhenTheServerDiesTheStreamEndsAndIsReadAgainOnceItIsBack()
    {
        var port = TestPorts.Claim();
        using var source = new VideoSource($"rtsp://127.0.0.1:{port}/cam", loop: false);
        using (var first = RtspCamera.Start(port))
        {
            for (var i = 0; i < 10; i++)
            {
                Assert.True(source.Grab(), source.LastError + first.Output);
            }
        }

        // ffmpeg sees the connection close (or, at worst, nothing for the read timeout) and the stream ends.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var ended = false;
        while (!ended && DateTime.UtcNow < deadline)
        {
            ended = !source.Grab();
        }

        Assert.True(ended, "the stream did not end after its server died");
        Assert.NotEqual("", source.LastError);

        // While the server is away, opening fails (connection refused) and says so.
        var refused = Assert.Throws<IOException>(() => source.Grab());
        Assert.Contains("ffmpeg cannot read", refused.Message, StringComparison.Ordinal);

        using var second = RtspCamera.Start(port);
        using var frame = new Mat();
        Assert.True(source.Grab(), source.LastError + second.Output);
        Assert.True(source.Retrieve(frame));
        Assert.Equal(new Size(320, 240), frame.Size());
    }

    [Fact]
    public async Task ACameraWhoseRtspPasswordIsWrongKeepsRetryingAndNeverLogsThePassword()
    {
        using var rtsp = RtspCamera.Start(user: User, password: Password);
        const string wrong = "wrong-rtsp-password";
        var logs = new List<string>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new Lines(logs)));
        var store = Path.Combine(Path.GetTempPath(), "pax-edge-rtsp-" + Guid.NewGuid().ToString("N"));
        var camera = new CameraOptions
        {
            DeviceId = "cam-rtsp", PlaceId = "stora-torget", Source = rtsp.Url(User, wrong), Purpose = "test", LegalBasis = "test",
        };
        try
        {
            await using var publisher = new DevicePublisher(
                new MqttOptions { Host = "127.0.0.1", Port = TestPorts.Claim() }, new StoreOptions { Directory = store },
                camera.PlaceId, camera.DeviceId, loggers.CreateLogger("publisher"));
            using var stop = new CancellationTokenSource();
            var worker = new CameraWorker(camera, publisher, loggers.CreateLogger("camera"), retryAfter: TimeSpan.FromMilliseconds(200));
            var running = Task.Factory.StartNew(() => worker.Run(stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline && Count(logs, "401") < 3)
            {
                await Task.Delay(100);
            }

            Assert.False(running.IsCompleted);
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(Count(logs, "401") >= 3, string.Join("\n", Snapshot(logs)));
            Assert.DoesNotContain(Snapshot(logs), l => l.Contains(wrong, StringComparison.Ordinal));
        }
        finally
        {
            if (Directory.Exists(store))
            {
                Directory.Delete(store, recursive: true);
            }
        }
    }

    [Fact]
    public void WithoutTheFfmpegProgramTheErrorSaysWhatToInstall()
    {
        var error = Assert.Throws<IOException>(() => FfmpegStream.Open($"rtsp://{User}:{Password}@127.0.0.1:1/cam", 0, TimeSpan.FromSeconds(5), "/nonexistent/ffmpeg"));
        Assert.Contains("apt-get install ffmpeg", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rtsp://cam/1", true)]
    [InlineData("RTSPS://cam/1", true)]
    [InlineData("srt://cam:9000", true)]
    [InlineData("ffmpeg:https://cam/live.m3u8", true)]
    [InlineData("http://cam/mjpg/video.cgi", false)]
    [InlineData("https://cam/mjpg/video.cgi", false)]
    [InlineData("/dev/video0", false)]
    [InlineData("/usr/share/doc/opencv-doc/examples/data/vtest.avi", false)]
    public void UrlsThatAreNotHttpGoToFfmpeg(string source, bool ffmpeg) => Assert.Equal(ffmpeg, FfmpegStream.Handles(source));

    private static int Count(List<string> logs, string text) => Snapshot(logs).Count(l => l.Contains(text, StringComparison.Ordinal));

    private static List<string> Snapshot(List<string> logs)
    {
        lock (logs)
        {
            return [.. logs];
        }
    }

    private sealed class Lines(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(lines);

        public void Dispose()
        {
        }

        private sealed class Logger(List<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add(formatter(state, exception) + exception);
                }
            }
        }
    }
}
