using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// Frames from RTSP, or any URL FFmpeg reads, through the <c>ffmpeg</c> program (Debian's <c>ffmpeg</c> package) as a
/// child process: OpenCvSharp's official runtime has an FFmpeg without network protocols (docs/edge.md).
/// </summary>
/// <remarks>
/// ffmpeg decodes and writes YUV4MPEG2 (planar YUV 4:2:0) to its stdout: the stream header carries the size, so
/// nothing has to be probed first (a second connection to the camera), a frame is half the bytes of BGR, and only the
/// frames an analyser is due to see are converted to BGR (<see cref="Retrieve"/>). A stream that stalls for longer
/// than the read timeout is ended by killing ffmpeg; the caller reopens it. A password in the URL is replaced by
/// <c>***</c> in every message, including ffmpeg's own error lines, which quote the URL.
/// </remarks>
public sealed class FfmpegStream : IDisposable
{
    /// <summary>Prefix that sends any URL (an HLS <c>https://…m3u8</c>, say) to ffmpeg instead of the MJPEG reader.</summary>
    public const string Prefix = "ffmpeg:";

    private readonly FfmpegProcess _ffmpeg;
    private readonly Stream _stdout;
    private readonly string[] _secrets;
    private readonly byte[] _line = new byte[512];
    private byte[] _frame = [];
    private Mat? _yuv;
    private bool _grabbed;

    private FfmpegStream(FfmpegProcess ffmpeg, string[] secrets)
    {
        _ffmpeg = ffmpeg;
        _stdout = new BufferedStream(ffmpeg.Output, 1 << 16);
        _secrets = secrets;
    }

    /// <summary>Width of the frames.</summary>
    public int Width { get; private set; }

    /// <summary>Height of the frames.</summary>
    public int Height { get; private set; }

    /// <summary>Frames per second the stream declares (25 when it declares none).</summary>
    public double Fps { get; private set; } = 25;

    /// <summary>Whether <paramref name="source"/> is read by ffmpeg: the <see cref="Prefix"/>, or a URL that is not http(s) or file.</summary>
    public static bool Handles(string source)
    {
        if (source.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var scheme = source.IndexOf("://", StringComparison.Ordinal);
        return scheme > 0 && source[..scheme].ToLowerInvariant() is not ("http" or "https" or "file");
    }

    /// <summary>Starts ffmpeg on <paramref name="source"/> and reads the stream header; throws <see cref="IOException"/> when it cannot.</summary>
    /// <param name="source">The URL, with or without <see cref="Prefix"/>.</param>
    /// <param name="decodeHeight">Height ffmpeg scales frames to (the width keeps the aspect); 0 keeps the camera's size.</param>
    /// <param name="timeout">How long to wait for the header, and then for each frame, before the stream counts as lost.</param>
    /// <param name="ffmpeg">The program (tests may point elsewhere).</param>
    public static FfmpegStream Open(string source, int decodeHeight, TimeSpan timeout, string ffmpeg = "ffmpeg")
    {
        var url = source.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? source[Prefix.Length..] : source;
        var secrets = Secrets(url);
        var process = FfmpegProcess.Start(ffmpeg, Arguments(url, decodeHeight, timeout), secrets, timeout, "data", $"to read {Redact(url, secrets)}");
        var stream = new FfmpegStream(process, secrets);
        try
        {
            stream.ReadHeader(url);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The arguments ffmpeg is started with (the URL among them).</summary>
    public static IReadOnlyList<string> Arguments(string url, int decodeHeight, TimeSpan timeout)
    {
        var args = new List<string> { "-nostdin", "-hide_banner", "-loglevel", "error" };
        if (url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
        {
            // Interleaved over the RTSP connection: no UDP ports to open in a firewall, no lost packets to smear frames.
            args.AddRange(["-rtsp_transport", "tcp", "-timeout", ((long)timeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture)]);
        }

        // 4:2:0 needs even sizes; scaling to the analysis size here saves decoding work downstream on big cameras.
        var scale = decodeHeight > 0 ? $"scale=-2:{decodeHeight / 2 * 2}" : "scale=trunc(iw/2)*2:trunc(ih/2)*2";
        args.AddRange(["-i", url, "-an", "-sn", "-dn", "-vf", scale, "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", "-"]);
        return args;
    }

    /// <summary>Reads the next frame's bytes; false when the stream ended, ffmpeg died or nothing came for the timeout.</summary>
    public bool Grab()
    {
        _grabbed = false;
        var line = ReadLine();
        if (line is null)
        {
            return false;
        }

        if (!line.StartsWith("FRAME", StringComparison.Ordinal))
        {
            _ffmpeg.AddError($"unexpected data in the stream: '{line[..Math.Min(line.Length, 40)]}'");
            return false;
        }

        if (!ReadExactly(_frame))
        {
            return false;
        }

        _grabbed = true;
        return true;
    }

    /// <summary>Converts the grabbed frame to BGR into <paramref name="frame"/>, reusing its buffer.</summary>
    public bool Retrieve(Mat frame)
    {
        if (!_grabbed || _yuv is null)
        {
            return false;
        }

        Marshal.Copy(_frame, 0, _yuv.Data, _frame.Length);
        Cv2.CvtColor(_yuv, frame, ColorConversionCodes.YUV2BGR_I420);
        return true;
    }

    /// <summary>Why the stream ended, from ffmpeg's own error lines (passwords replaced), or its exit code.</summary>
    public string Why() => _ffmpeg.Why("frame");

    /// <summary>The URL or text with every password in <paramref name="secrets"/> replaced by <c>***</c>.</summary>
    public static string Redact(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The password of a URL's user info, as written and unescaped, longest first.</summary>
    public static string[] Secrets(string url)
    {
        var at = url.IndexOf('@', StringComparison.Ordinal);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0 || at < scheme)
        {
            return [];
        }

        var userInfo = url[(scheme + 3)..at];
        var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon == userInfo.Length - 1)
        {
            return [];
        }

        var password = userInfo[(colon + 1)..];
        return new[] { password, Uri.UnescapeDataString(password) }.Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
    }

    private void ReadHeader(string url)
    {
        var header = ReadLine();
        if (header is null || !header.StartsWith("YUV4MPEG2 ", StringComparison.Ordinal))
        {
            throw new IOException($"ffmpeg cannot read {Redact(url, _secrets)}: {Why()}");
        }

        var chroma = "420jpeg";
        foreach (var field in header.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            switch (field[0])
            {
                case 'W':
                    Width = int.Parse(field.AsSpan(1), CultureInfo.InvariantCulture);
                    break;
                case 'H':
                    Height = int.Parse(field.AsSpan(1), CultureInfo.InvariantCulture);
                    break;
                case 'F':
                    var parts = field[1..].Split(':');
                    if (parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var n)
                        && double.TryParse(parts[1], CultureInfo.InvariantCulture, out var d) && d > 0 && n / d is > 0 and < 1000)
                    {
                        Fps = n / d;
                    }

                    break;
                case 'C':
                    chroma = field[1..];
                    break;
            }
        }

        if (Width <= 0 || Height <= 0 || Width % 2 != 0 || Height % 2 != 0 || !chroma.StartsWith("420", StringComparison.Ordinal))
        {
            throw new IOException($"ffmpeg wrote an unexpected stream header for {Redact(url, _secrets)}: '{header}'");
        }

        _frame = new byte[Width * Height * 3 / 2];
        _yuv = new Mat(Height * 3 / 2, Width, MatType.CV_8UC1);
    }

    // One header line, up to '\n'; null at the end of the stream.
    private string? ReadLine()
    {
        _ffmpeg.Arm();
        var length = 0;
        while (true)
        {
            var b = _stdout.ReadByte();
            if (b < 0)
            {
                return null;
            }

            if (b == '\n')
            {
                return Encoding.ASCII.GetString(_line, 0, length);
            }

            if (length == _line.Length)
            {
                _ffmpeg.AddError("a stream header line is too long");
                return null;
            }

            _line[length++] = (byte)b;
        }
    }

    private bool ReadExactly(byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            _ffmpeg.Arm();
            var n = _stdout.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _ffmpeg.Dispose();
        _yuv?.Dispose();
    }
}
