using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Runs one camera on its own thread: decode every frame, analyse the ones that are due, hand messages to the sink.
/// A live camera paces a file by its frame rate and stamps messages with the wall clock; <c>analyse</c> runs the same
/// loop offline (<paramref name="offlineEpochMs"/> set): as fast as it decodes, stamped epoch + media time, once.
/// </summary>
public sealed partial class CameraWorker(CameraOptions options, ISignalSink publisher, ILogger logger, TimeSpan? retryAfter = null, long? offlineEpochMs = null)
{
    // How long a failed source waits before it is opened again: long enough not to hammer a camera that reboots.
    private readonly TimeSpan _retryAfter = retryAfter ?? TimeSpan.FromSeconds(5);

    /// <summary>The camera's sound level, when its audio is analysed beside it.</summary>
    public Audio.SoundLevel? Sound { get; init; }

    /// <summary>Runs until <paramref name="stoppingToken"/> fires; a lost source is reopened, a failed analysis restarted, after a pause.</summary>
    public void Run(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                RunOnce(stoppingToken);
                return;
            }
            catch (Exception e) when ((e is OpenCvSharpException or OpenCVException) && offlineEpochMs is null)
            {
                // One camera's failure must not stop the others, nor this camera for good.
                LogAnalysisFailed(logger, options.DeviceId, e.Message);
                stoppingToken.WaitHandle.WaitOne(_retryAfter);
            }
        }
    }

    private void RunOnce(CancellationToken stoppingToken)
    {
        using var pipeline = new CameraPipeline(options) { Sound = Sound };
        using var source = new VideoSource(options.Source, options.Loop, options.DecodeHeight);
        using var frame = new Mat();
        var started = DateTime.UtcNow;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        while (!stoppingToken.IsCancellationRequested)
        {
            bool grabbed;
            try
            {
                grabbed = source.Grab();
            }
            catch (IOException e) when (offlineEpochMs is null)
            {
                LogSourceFailed(logger, options.DeviceId, e.Message);
                stoppingToken.WaitHandle.WaitOne(_retryAfter);
                continue;
            }

            if (!grabbed)
            {
                if ((source.IsFile && !options.Loop) || offlineEpochMs is not null)
                {
                    LogEnded(logger, options.DeviceId);
                    return;
                }

                if (source.LastError.Length > 0)
                {
                    LogStreamLost(logger, options.DeviceId, source.LastError);
                }

                stoppingToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                continue;
            }

            var time = source.Time;
            if (source.IsFile && offlineEpochMs is null)
            {
                // A file plays at its own pace, so that a demo behaves like the live camera it stands in for.
                var ahead = time - wall.Elapsed;
                if (ahead > TimeSpan.Zero && stoppingToken.WaitHandle.WaitOne(ahead))
                {
                    return;
                }
            }

            if (pipeline.IsDue(time) && source.Retrieve(frame))
            {
                pipeline.Analyse(frame, time);
            }

            // Contract v1 wants ts > 0: with the default epoch 0, media time 0 is stamped 1 ms.
            var unixMs = offlineEpochMs is { } epoch ? Math.Max(1, epoch + (long)time.TotalMilliseconds)
                : source.IsFile ? new DateTimeOffset(started + time).ToUnixTimeMilliseconds() : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (pipeline.TryEmit(time, offlineEpochMs is null ? Math.Min(unixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) : unixMs) is { } message)
            {
                publisher.Publish(message);
            }
        }
    }

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "{DeviceId}: video source failed ({Reason}); retrying")]
    private static partial void LogSourceFailed(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Error, Message = "{DeviceId}: analysis failed ({Reason}); restarting the camera")]
    private static partial void LogAnalysisFailed(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "{DeviceId}: the stream ended ({Reason}); opening it again")]
    private static partial void LogStreamLost(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "{DeviceId}: the video file ended")]
    private static partial void LogEnded(ILogger logger, string deviceId);
}
