using System.Diagnostics;
using System.Text;

namespace Pax.Live.Edge.Tests;

/// <summary>A process started in a directory with extra environment, its standard output and error captured as lines.</summary>
internal sealed class CapturedProcess
{
    private readonly StringBuilder _output = new();

    public CapturedProcess(string directory, Dictionary<string, string> environment, string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => Append(e.Data);
        Process.ErrorDataReceived += (_, e) => Append(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public int Length
    {
        get
        {
            lock (_output)
            {
                return _output.Length;
            }
        }
    }

    public string OutputFrom(int from)
    {
        lock (_output)
        {
            return _output.ToString(from, _output.Length - from);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.Append(line).Append('\n');
            }
        }
    }
}
