using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pax.Live.LoadTool;

/// <summary>A child process (the server, or the ceiling broker) whose output is kept and whose peak RSS can be read.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<double> _probeMs = [];
    private long _lastCount;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The probe latencies (ms) the ceiling broker printed.</summary>
    public List<double> ProbeMs => _probeMs;

    /// <summary>The last <c>count N</c> the ceiling broker printed.</summary>
    public long LastCount => Interlocked.Read(ref _lastCount);

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="file"/>; with <paramref name="cpu"/>, through <c>taskset</c> on that CPU alone.</summary>
    public static ChildProcess Start(string file, string[] args, int? cpu = null)
    {
        if (cpu is { } pinned)
        {
            // taskset execs the command in its own process, so the id is the child's, and the runtime starts seeing one core.
            (file, args) = ("taskset", ["-c", pinned.ToString(CultureInfo.InvariantCulture), file, .. args]);
        }

        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var child = new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start"));
        child._process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child._process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    public async Task WaitForLine(string line, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(line, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"No '{line}' from the child:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The CPU time the child has used so far (user and system), in milliseconds.</summary>
    public double CpuMs()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalMilliseconds;
    }

    /// <summary>The child's peak resident set (VmHWM) in MiB, from /proc.</summary>
    public double PeakRssMiB()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return double.NaN;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.StartsWith("probe ", StringComparison.Ordinal))
        {
            lock (_probeMs)
            {
                _probeMs.Add(double.Parse(line.AsSpan(6), CultureInfo.InvariantCulture));
            }

            return;
        }

        if (line.StartsWith("count ", StringComparison.Ordinal))
        {
            Interlocked.Exchange(ref _lastCount, long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));
            return;
        }

        lock (_output)
        {
            if (_output.Length < 1_000_000)
            {
                _output.AppendLine(line);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.Close();
                if (!_process.WaitForExit(5_000))
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
            }
        }

        _process.Dispose();
    }
}
