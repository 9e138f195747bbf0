using System.Globalization;
using System.Runtime.InteropServices;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Audio;

/// <summary>
/// Sound from a camera's RTSP stream, an ALSA device or a file, through the <c>ffmpeg</c> program as a child process,
/// as mono 32-bit float PCM at 48 kHz on its stdout. Nothing is written anywhere: each read overwrites the caller's
/// buffer, which the analysis consumes at once.
/// </summary>
/// <remarks>
/// A stream that gives nothing for the timeout is ended by killing ffmpeg (the caller reopens it). A password in the
/// URL is replaced by <c>***</c> in every message, as for video.
/// </remarks>
public sealed class AudioStream : IDisposable
{
    /// <summary>Prefix of an ALSA capture device: <c>alsa:default</c>, <c>alsa:hw:1,0</c>.</summary>
    public const string AlsaPrefix = "alsa:";

    private readonly FfmpegProcess _ffmpeg;
    private readonly Stream _stdout;
    private byte[] _bytes = [];
    private int _carry;

    private AudioStream(FfmpegProcess ffmpeg)
    {
        _ffmpeg = ffmpeg;
        _stdout = ffmpeg.Output;
    }

    /// <summary>Starts ffmpeg on <paramref name="source"/>; throws <see cref="IOException"/> when it cannot start.</summary>
    /// <param name="source">An RTSP or other URL (optionally with <c>ffmpeg:</c>), <c>alsa:DEVICE</c>, or a file.</param>
    /// <param name="timeout">How long a read may wait for sound before the stream counts as lost.</param>
    /// <param name="ffmpeg">The program.</param>
    public static AudioStream Open(string source, TimeSpan timeout, string ffmpeg = "ffmpeg")
    {
        var secrets = FfmpegStream.Secrets(source);
        var process = FfmpegProcess.Start(ffmpeg, Arguments(source, timeout), secrets, timeout, "sound", $"to hear {FfmpegStream.Redact(source, secrets)}");
        return new AudioStream(process);
    }

    /// <summary>The arguments ffmpeg is started with.</summary>
    public static IReadOnlyList<string> Arguments(string source, TimeSpan timeout)
    {
        var args = new List<string> { "-nostdin", "-hide_banner", "-loglevel", "error" };
        var url = source.StartsWith(FfmpegStream.Prefix, StringComparison.OrdinalIgnoreCase) ? source[FfmpegStream.Prefix.Length..] : source;
        if (url.StartsWith(AlsaPrefix, StringComparison.OrdinalIgnoreCase))
        {
            args.AddRange(["-f", "alsa", "-i", url[AlsaPrefix.Length..]]);
        }
        else
        {
            if (url.StartsWith("rtsp://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("rtsps://", StringComparison.OrdinalIgnoreCase))
            {
                args.AddRange(["-rtsp_transport", "tcp", "-timeout", ((long)timeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture)]);
            }

            args.AddRange(["-i", url]);
        }

        // Only the first audio track, mixed to mono and resampled to the analysis rate, as raw floats.
        args.AddRange(["-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", AudioAnalyser.SampleRate.ToString(CultureInfo.InvariantCulture), "-f", "f32le", "-"]);
        return args;
    }

    /// <summary>Reads up to <paramref name="samples"/>.Length samples; 0 when the stream ended, ffmpeg died or nothing came for the timeout.</summary>
    public int Read(Span<float> samples)
    {
        var want = samples.Length * sizeof(float);
        if (_bytes.Length < want)
        {
            var bytes = new byte[want];
            _bytes.AsSpan(0, _carry).CopyTo(bytes);
            _bytes = bytes;
        }

        while (true)
        {
            _ffmpeg.Arm();
            var n = _stdout.Read(_bytes, _carry, want - _carry);
            if (n == 0)
            {
                return 0;
            }

            var have = _carry + n;
            var whole = have / sizeof(float);
            if (whole == 0)
            {
                _carry = have;
                continue;
            }

            MemoryMarshal.Cast<byte, float>(_bytes.AsSpan(0, whole * sizeof(float))).CopyTo(samples);
            _carry = have - (whole * sizeof(float));
            _bytes.AsSpan(whole * sizeof(float), _carry).CopyTo(_bytes);
            return whole;
        }
    }

    /// <summary>Why the stream ended, from ffmpeg's error lines (passwords replaced), or its exit code.</summary>
    public string Why() => _ffmpeg.Why("sound");

    /// <summary>Ends the stream from another thread: ffmpeg is killed, and a blocked <see cref="Read"/> returns 0.</summary>
    public void Stop() => _ffmpeg.Stop();

    /// <summary>CPU time ffmpeg has used (decoding and resampling), for <c>--bench-audio</c>.</summary>
    public TimeSpan DecoderCpu() => _ffmpeg.Cpu();

    /// <inheritdoc />
    public void Dispose() => _ffmpeg.Dispose();
}
