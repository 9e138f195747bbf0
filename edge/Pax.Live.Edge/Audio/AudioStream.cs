using System.ComponentModel;
using System.Diagnostics;
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

    private const int MaxErrorLines = 8;

    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly string[] _secrets;
    private readonly Queue<string> _errors = new();
    private readonly CancellationTokenSource _watchdog = new();
    private readonly CancellationTokenRegistration _kill;
    private readonly TimeSpan _timeout;
    private byte[] _bytes = [];
    private int _carry;

    private AudioStream(Process process, string[] secrets, TimeSpan timeout)
    {
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        _secrets = secrets;
        _timeout = timeout;
        _kill = _watchdog.Token.Register(Kill);
    }

    /// <summary>Starts ffmpeg on <paramref name="source"/>; throws <see cref="IOException"/> when it cannot start.</summary>
    /// <param name="source">An RTSP or other URL (optionally with <c>ffmpeg:</c>), <c>alsa:DEVICE</c>, or a file.</param>
    /// <param name="timeout">How long a read may wait for sound before the stream counts as lost.</param>
    /// <param name="ffmpeg">The program.</param>
    public static AudioStream Open(string source, TimeSpan timeout, string ffmpeg = "ffmpeg")
    {
        var secrets = FfmpegStream.Secrets(source);
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments(source, timeout))
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IOException("ffmpeg did not start.");
        }
        catch (Win32Exception e)
        {
            throw new IOException($"Cannot start '{ffmpeg}' to hear {FfmpegStream.Redact(source, secrets)}: {e.Message} (Debian: apt-get install ffmpeg).", e);
        }

        var stream = new AudioStream(process, secrets, timeout);
        process.ErrorDataReceived += (_, e) => stream.AddError(e.Data);
        process.BeginErrorReadLine();
        return stream;
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
            _watchdog.CancelAfter(_timeout);
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
    public string Why()
    {
        try
        {
            if (_process.WaitForExit(TimeSpan.FromSeconds(2)))
            {
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }

        lock (_errors)
        {
            if (_errors.Count > 0)
            {
                return string.Join(" | ", _errors);
            }
        }

        return _process.HasExited ? $"ffmpeg exited with {_process.ExitCode}" : "no sound within " + _timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s";
    }

    /// <summary>Ends the stream from another thread: ffmpeg is killed, and a blocked <see cref="Read"/> returns 0.</summary>
    public void Stop()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>CPU time ffmpeg has used (decoding and resampling), for <c>--bench-audio</c>.</summary>
    public TimeSpan DecoderCpu()
    {
        try
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return TimeSpan.Zero;
        }
    }

    private void AddError(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_errors)
        {
            _errors.Enqueue(FfmpegStream.Redact(line.Trim(), _secrets));
            while (_errors.Count > MaxErrorLines)
            {
                _errors.Dequeue();
            }
        }
    }

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                AddError($"no sound for {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; ffmpeg stopped");
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _kill.Dispose();
        _watchdog.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
