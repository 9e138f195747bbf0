using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// Frames from an RTSP or HTTP stream, a V4L2 device or a video file. Decoding (<see cref="Grab"/>) and converting
/// to a picture (<see cref="Retrieve"/>) are separate so that frames no analyser needs cost only their decode.
/// </summary>
public sealed class VideoSource : IDisposable
{
    private readonly string _source;
    private readonly bool _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private VideoCapture? _capture;
    private long _frameIndex;
    private TimeSpan _fileOffset;

    /// <summary>Describes a source; nothing is opened before the first <see cref="Grab"/>.</summary>
    public VideoSource(string source, bool loop)
    {
        _source = source;
        _loop = loop;
        IsFile = File.Exists(source) && !source.StartsWith("/dev/", StringComparison.Ordinal);
    }

    /// <summary>Whether the source is a video file (time runs by its frame rate, not the wall clock).</summary>
    public bool IsFile { get; }

    /// <summary>Frames per second the source declares (25 when it declares none).</summary>
    public double Fps { get; private set; } = 25;

    /// <summary>When the last grabbed frame was taken: the file's own time for files, a monotonic clock for live sources.</summary>
    public TimeSpan Time { get; private set; }

    /// <summary>Decodes the next frame; false when a file has ended (and does not loop) or a stream is lost.</summary>
    public bool Grab()
    {
        _capture ??= Open();
        if (_capture.Grab())
        {
            _frameIndex++;
            Time = IsFile ? _fileOffset + TimeSpan.FromSeconds(_frameIndex / Fps) : _clock.Elapsed;
            return true;
        }

        if (IsFile && _loop && _frameIndex > 0)
        {
            // Reopening is the reliable rewind: seeking is unsupported or inexact for some codecs.
            _fileOffset = Time;
            _frameIndex = 0;
            _capture.Dispose();
            _capture = Open();
            return Grab();
        }

        // A lost stream is reopened on the next call.
        _capture.Dispose();
        _capture = null;
        return false;
    }

    /// <summary>Converts the grabbed frame into <paramref name="frame"/> (BGR), reusing its buffer.</summary>
    public bool Retrieve(Mat frame) => _capture is not null && _capture.Retrieve(frame) && !frame.Empty();

    private VideoCapture Open()
    {
        VideoCapture capture;
        if (int.TryParse(_source, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            capture = new VideoCapture(index, VideoCaptureAPIs.V4L2);
        }
        else if (_source.StartsWith("/dev/video", StringComparison.Ordinal))
        {
            capture = new VideoCapture(_source, VideoCaptureAPIs.V4L2);
        }
        else
        {
            capture = new VideoCapture(_source, VideoCaptureAPIs.FFMPEG);
        }

        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new IOException($"Cannot open the video source '{_source}'.");
        }

        var fps = capture.Fps;
        Fps = fps is > 0 and < 1000 ? fps : 25;
        return capture;
    }

    /// <inheritdoc />
    public void Dispose() => _capture?.Dispose();
}
