using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// One running <c>ffmpeg</c> child process whose stdout a stream reads: its last error lines with passwords replaced,
/// and a watchdog that kills it when a read gets nothing for the timeout. <see cref="FfmpegStream"/> (frames) and
/// <see cref="Audio.AudioStream"/> (sound) each parse the output their own way on top of it.
/// </summary>
internal sealed class FfmpegProcess : IDisposable
{
    private const int MaxErrorLines = 8;

    private readonly Process _process;
    private readonly string[] _secrets;
    private readonly TimeSpan _timeout;
    private readonly string _silence;
    private readonly Queue<string> _errors = new();
    private readonly CancellationTokenSource _watchdog = new();
    private readonly CancellationTokenRegistration _kill;

    private FfmpegProcess(Process process, string[] secrets, TimeSpan timeout, string silence)
    {
        _process = process;
        _secrets = secrets;
        _timeout = timeout;
        _silence = silence;

        // A read that gets nothing for the timeout ends the stream: killing ffmpeg makes the blocked read return.
        _kill = _watchdog.Token.Register(Kill);
    }

    /// <summary>ffmpeg's stdout.</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    /// <summary>Starts <paramref name="ffmpeg"/> with <paramref name="arguments"/>; throws <see cref="IOException"/> when it cannot start.</summary>
    /// <param name="ffmpeg">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="secrets">Passwords replaced by <c>***</c> in every error line.</param>
    /// <param name="timeout">How long a read may wait before the watchdog kills ffmpeg.</param>
    /// <param name="silence">What did not come, in the watchdog's line: "no <c>silence</c> for N s; ffmpeg stopped".</param>
    /// <param name="task">What ffmpeg was started for, redacted, for the message when it cannot start ("to read rtsp://…").</param>
    public static FfmpegProcess Start(string ffmpeg, IEnumerable<string> arguments, string[] secrets, TimeSpan timeout, string silence, string task)
    {
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in arguments)
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
            throw new IOException($"Cannot start '{ffmpeg}' {task}: {e.Message} (Debian: apt-get install ffmpeg).", e);
        }

        var running = new FfmpegProcess(process, secrets, timeout, silence);
        process.ErrorDataReceived += (_, e) => running.AddError(e.Data);
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>(Re)arms the watchdog before a read: ffmpeg is killed if the read gets nothing for the timeout.</summary>
    public void Arm() => _watchdog.CancelAfter(_timeout);

    /// <summary>Keeps <paramref name="line"/> (passwords replaced) among the last error lines.</summary>
    public void AddError(string? line)
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

    /// <summary>Why the stream ended, from ffmpeg's error lines, or its exit code, or "no <paramref name="nothing"/> within N s".</summary>
    public string Why(string nothing)
    {
        // ffmpeg's last words arrive on stderr after stdout has ended: wait for it to exit, then for its stderr to be
        // read to the end (only the untimed WaitForExit waits for the redirected streams).
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

        return _process.HasExited ? $"ffmpeg exited with {_process.ExitCode}" : $"no {nothing} within " + _timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s";
    }

    /// <summary>Kills ffmpeg, from any thread: a blocked read of <see cref="Output"/> returns 0.</summary>
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
            // Exited meanwhile.
        }
    }

    /// <summary>CPU time ffmpeg has used so far; zero once it is gone.</summary>
    public TimeSpan Cpu()
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

    private void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                AddError($"no {_silence} for {_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; ffmpeg stopped");
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }
}
