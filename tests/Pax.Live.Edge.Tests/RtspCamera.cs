using System.Diagnostics;
using System.Text;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// An RTSP camera on 127.0.0.1: GStreamer's RTSP server (RtspServer.py, Debian's python3-gi and
/// gir1.2-gst-rtsp-server-1.0) serving a moving ball as H.264 at 320×240, 25 fps, optionally behind Basic auth.
/// </summary>
internal sealed class RtspCamera : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RtspCamera(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

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

    /// <summary>The stream's URL, with <paramref name="user"/>:<paramref name="password"/> when given.</summary>
    public string Url(string? user = null, string? password = null) =>
        user is null ? $"rtsp://127.0.0.1:{Port}/cam" : $"rtsp://{user}:{Uri.EscapeDataString(password ?? "")}@127.0.0.1:{Port}/cam";

    public static RtspCamera Start(int? port = null, string? user = null, string? password = null)
    {
        // Debian's python3 (python3-gi is installed for it), not whatever python3 comes first on PATH.
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var chosen = port ?? TestPorts.Claim();
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "RtspServer.py"));
        start.ArgumentList.Add(chosen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (user is not null)
        {
            start.ArgumentList.Add(user);
            start.ArgumentList.Add(password ?? "");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var camera = new RtspCamera(process, chosen);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            camera.Append(e.Data);
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => camera.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!ready.Task.Wait(TimeSpan.FromSeconds(30)))
        {
            camera.Dispose();
            throw new TimeoutException("The RTSP server did not start:\n" + camera.Output);
        }

        return camera;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
