using System.Net;
using System.Net.Sockets;

namespace Pax.Live.Testing;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of the server, whose network can be cut: <see cref="Cut"/> drops every
/// connection through it and turns new ones away until <see cref="Restore"/>. It is the guard's phone losing signal.
/// <see cref="Stall"/> is the line that drops silently: connections stay open, and no byte gets through either way.
/// </summary>
public sealed class CuttableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private bool _cut;
    private volatile bool _stalled;

    public CuttableProxy(Uri target)
    {
        _targetPort = target.Port;
        _listener.Start();
        _accepting = Accept();
    }

    /// <summary>The address to use instead of the server's.</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Drops every connection and refuses new ones.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            _cut = true;
            foreach (var client in _open)
            {
                client.Client.Close(0);
                client.Dispose();
            }

            _open.Clear();
        }
    }

    /// <summary>Keeps every connection open and holds every byte, either way, until <see cref="Restore"/>.</summary>
    public void Stall() => _stalled = true;

    /// <summary>Lets connections through again.</summary>
    public void Restore()
    {
        lock (_gate)
        {
            _cut = false;
            _stalled = false;
        }
    }

    private async Task Accept()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Forward(inbound);
        }
    }

    private async Task Forward(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_gate)
        {
            if (_cut)
            {
                inbound.Client.Close(0);
                inbound.Dispose();
                outbound.Dispose();
                return;
            }

            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            using var pumps = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = Pump(inbound.GetStream(), outbound.GetStream(), pumps.Token);
            var down = Pump(outbound.GetStream(), inbound.GetStream(), pumps.Token);
            await Task.WhenAny(up, down);
            await pumps.CancelAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The cut, or either side hanging up.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(inbound);
                _open.Remove(outbound);
            }

            inbound.Dispose();
            outbound.Dispose();
        }
    }

    /// <summary>
    /// Copies until either side hangs up. While stalled, what arrives is held, as TCP holds what it could not deliver
    /// and sends it once the line is back.
    /// </summary>
    private async Task Pump(NetworkStream from, NetworkStream to, CancellationToken cancel)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, cancel)) > 0)
        {
            while (_stalled)
            {
                await Task.Delay(50, cancel);
            }

            await to.WriteAsync(buffer.AsMemory(0, read), cancel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
