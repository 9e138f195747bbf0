using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// Frames from an RTSP (or any other FFmpeg-readable) URL through the <c>ffmpeg</c> program, an HTTP MJPEG stream, a
/// V4L2 device or a video file. OpenCvSharp's official runtime has an FFmpeg without network protocols (docs/edge.md),
/// hence the reader of our own for MJPEG and the child process for the rest. Decoding (<see cref="Grab"/>) and
/// converting to a picture (<see cref="Retrieve"/>) are separate so that frames no analyser needs cost only their decode.
/// </summary>
public sealed class VideoSource : IDisposable
{
    private readonly string _source;
    private readonly bool _loop;
    private readonly int _decodeHeight;
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private VideoCapture? _capture;
    private MjpegHttpStream? _mjpeg;
    private FfmpegStream? _ffmpeg;
    private long _frameIndex;
    private TimeSpan _fileOffset;

    /// <summary>Describes a source; nothing is opened before the first <see cref="Grab"/>.</summary>
    /// <param name="source">A URL, a V4L2 device or a video file.</param>
    /// <param name="loop">Play a file again when it ends.</param>
    /// <param name="decodeHeight">For sources read by ffmpeg: the height it scales frames to (0: the camera's own).</param>
    public VideoSource(string source, bool loop, int decodeHeight = 0)
    {
        _source = source;
        _loop = loop;
        _decodeHeight = decodeHeight;
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
        if (FfmpegStream.Handles(_source))
        {
            return GrabFfmpeg();
        }

        if (IsHttp)
        {
            return GrabHttp();
        }

        _capture ??= Open();
        if (_capture.Grab())
        {
            // A file's first frame is at media time 0: analyse stamps messages with epoch + this time.
            Time = IsFile ? _fileOffset + TimeSpan.FromSeconds(_frameIndex / Fps) : _clock.Elapsed;
            _frameIndex++;
            return true;
        }

        if (IsFile && _loop && _frameIndex > 0)
        {
            // Reopening is the reliable rewind: seeking is unsupported or inexact for some codecs.
            _fileOffset = Time + TimeSpan.FromSeconds(1 / Fps);
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
    public bool Retrieve(Mat frame) => _ffmpeg is not null
        ? _ffmpeg.Retrieve(frame)
        : _mjpeg is not null
        ? _mjpeg.Retrieve(frame)
        : _capture is not null && _capture.Retrieve(frame) && !frame.Empty();

    /// <summary>Why the last stream ended, when the reader knows (ffmpeg's own error lines, passwords replaced); else empty.</summary>
    public string LastError { get; private set; } = "";

    private bool IsHttp => _source.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || _source.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private bool GrabHttp()
    {
        if (_mjpeg is null)
        {
            try
            {
                _mjpeg = MjpegHttpStream.Open(new Uri(_source), ReadTimeout);
            }
            catch (IOException e)
            {
                throw new IOException($"Cannot open the video source '{Redacted}': {e.Message}", e);
            }
        }

        if (_mjpeg.Grab())
        {
            _frameIndex++;
            Time = _clock.Elapsed;
            return true;
        }

        // A lost stream is reopened on the next call.
        _mjpeg.Dispose();
        _mjpeg = null;
        return false;
    }

    private bool GrabFfmpeg()
    {
        if (_ffmpeg is null)
        {
            _ffmpeg = FfmpegStream.Open(_source, _decodeHeight, ReadTimeout);
            Fps = _ffmpeg.Fps;
        }

        if (_ffmpeg.Grab())
        {
            _frameIndex++;
            Time = _clock.Elapsed;
            return true;
        }

        // ffmpeg died or the stream stalled: it is started again on the next call.
        LastError = _ffmpeg.Why();
        _ffmpeg.Dispose();
        _ffmpeg = null;
        return false;
    }

    // A password in the URL is never written to a log.
    private string Redacted => Uri.TryCreate(_source, UriKind.Absolute, out var url) && url.UserInfo.Length > 0
        ? _source.Replace(url.UserInfo + "@", "***@", StringComparison.Ordinal)
        : _source;

    private VideoCapture Open()
    {
        VideoCapture capture;
        if (int.TryParse(_source, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            capture = new VideoCapture(index, VideoCaptureAPIs.V4L2);
        }
        else if (_source.StartsWith("/dev/", StringComparison.Ordinal))
        {
            if (!File.Exists(_source))
            {
                throw new IOException($"Cannot open the video source '{_source}': no such device (is the camera plugged in, and the agent in the video group?).");
            }

            capture = new VideoCapture(_source, VideoCaptureAPIs.V4L2);
        }
        else
        {
            capture = new VideoCapture(_source, VideoCaptureAPIs.FFMPEG);
        }

        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new IOException(_source.Contains("://", StringComparison.Ordinal)
                ? $"Cannot open the video source '{Redacted}': OpenCV reads only files and devices here; URLs go to the MJPEG reader (http, https) or to ffmpeg (any other scheme, or the 'ffmpeg:' prefix)."
                : $"Cannot open the video source '{Redacted}'.");
        }

        var fps = capture.Fps;
        Fps = fps is > 0 and < 1000 ? fps : 25;
        return capture;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _capture?.Dispose();
        _mjpeg?.Dispose();
        _ffmpeg?.Dispose();
    }
}
