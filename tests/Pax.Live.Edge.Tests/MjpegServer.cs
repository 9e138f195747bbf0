using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// An IP camera's MJPEG endpoint in miniature: HTTP/1.0 on a free loopback port, <c>multipart/x-mixed-replace</c>,
/// one JPEG per part, the connection closed when the frames run out (as a camera that reboots would).
/// </summary>
internal sealed class MjpegServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IReadOnlyList<byte[]> _jpegs;
    private readonly bool _contentLength;
    private readonly string? _basicAuth;
    private readonly string _contentType;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    public MjpegServer(IReadOnlyList<byte[]> jpegs, bool contentLength = true, string? user = null, string? password = null,
        string contentType = "multipart/x-mixed-replace; boundary=pax-frame")
    {
        _jpegs = jpegs;
        _contentLength = contentLength;
        _basicAuth = user is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        _contentType = contentType;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string Url => $"http://127.0.0.1:{Port}/mjpg/video.mjpg";

    /// <summary>Connections that got the stream (not the refused ones).</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadHeadersAsync(stream);
                if (_basicAuth is not null && !request.Contains($"Authorization: Basic {_basicAuth}\r\n", StringComparison.OrdinalIgnoreCase))
                {
                    await stream.WriteAsync("HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"camera\"\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), _stop.Token);
                    return;
                }

                Interlocked.Increment(ref _connections);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.0 200 OK\r\nContent-Type: {_contentType}\r\nCache-Control: no-cache\r\n\r\n"), _stop.Token);
                foreach (var jpeg in _jpegs)
                {
                    var headers = _contentLength
                        ? $"--pax-frame\r\nContent-Type: image/jpeg\r\nContent-Length: {jpeg.Length}\r\n\r\n"
                        : "--pax-frame\r\nContent-Type: image/jpeg\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(headers), _stop.Token);
                    await stream.WriteAsync(jpeg, _stop.Token);
                    await stream.WriteAsync("\r\n"u8.ToArray(), _stop.Token);
                }

                // Without Content-Length the last part ends at the closing delimiter.
                await stream.WriteAsync("--pax-frame--\r\n"u8.ToArray(), _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // The reader hung up: a camera does not mind.
            }
        }
    }

    private static async Task<string> ReadHeadersAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < 16_384 && await stream.ReadAsync(one) == 1)
        {
            bytes.Add(one[0]);
            if (bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n')
            {
                break;
            }
        }

        return Encoding.ASCII.GetString([.. bytes]);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
