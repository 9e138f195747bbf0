using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// A stream that reads MQTT's framing as the bytes go by and ends the connection at the first packet whose remaining
/// length is over the cap, before any of its body is read. MQTTnet allocates a packet's whole body before our code sees
/// it, and MQTT allows 256 MB; this is how the broker keeps a signed-in client from making it buffer that.
/// <para>
/// It also buffers: MQTTnet reads a packet's fixed header and then its body, each a read of the socket of its own, so
/// a packet cost two receive calls. Here one receive takes whatever has arrived (usually the whole packet, often
/// several) and the reads after it are copies. A read that must wait reuses a pooled state machine instead of
/// allocating one, which 5,000 connections with a receive always pending otherwise did for every packet.
/// </para>
/// </summary>
public sealed class PacketCapStream(Stream inner, int maxRemainingLength, Action onRefused) : Stream
{
    private const int BufferSize = 2048;

    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private int _state; // 0: the first byte of a fixed header; 1: its remaining length; 2: the body
    private int _lengthBytes;
    private long _length;
    private long _multiplier = 1;
    private long _left;

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (_start == _end)
        {
            if (buffer.Length >= BufferSize)
            {
                return Check(buffer[..inner.Read(buffer)]);
            }

            (_start, _end) = (0, Check(_buffer.AsSpan(0, inner.Read(_buffer))));
        }

        return Take(buffer);
    }

    /// <inheritdoc />
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _start < _end || buffer.IsEmpty ? new ValueTask<int>(Take(buffer.Span)) : Receive(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> Receive(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length >= BufferSize)
        {
            // A large body: straight into MQTTnet's buffer, checked the same way.
            var direct = await inner.ReadAsync(buffer, cancellationToken);
            return Check(buffer.Span[..direct]);
        }

        var read = await inner.ReadAsync(_buffer, cancellationToken);
        (_start, _end) = (0, Check(_buffer.AsSpan(0, read)));
        return Take(buffer.Span);
    }

    private int Take(Span<byte> into)
    {
        var n = Math.Min(into.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(into);
        _start += n;
        return n;
    }

    private int Check(ReadOnlySpan<byte> read)
    {
        var i = 0;
        while (i < read.Length)
        {
            switch (_state)
            {
                case 0:
                    i++;
                    (_state, _lengthBytes, _length, _multiplier) = (1, 0, 0, 1);
                    break;
                case 1:
                    var b = read[i++];
                    _length += (b & 0x7F) * _multiplier;
                    _multiplier *= 128;
                    if (++_lengthBytes > 4 || _length > maxRemainingLength)
                    {
                        onRefused();
                        throw new IOException($"An MQTT packet over {maxRemainingLength} bytes: the connection is closed.");
                    }

                    if ((b & 0x80) == 0)
                    {
                        (_state, _left) = _length == 0 ? (0, 0) : (2, _length);
                    }

                    break;
                default:
                    var skip = (int)Math.Min(_left, read.Length - i);
                    i += skip;
                    _left -= skip;
                    if (_left == 0)
                    {
                        _state = 0;
                    }

                    break;
            }
        }

        return read.Length;
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    /// <inheritdoc />
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.WriteAsync(buffer, offset, count, cancellationToken);

    /// <inheritdoc />
    public override void Flush() => inner.Flush();

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// The broker's TCP listeners (plain and TLS, as the server options say), with every connection's reads going through
/// <see cref="PacketCapStream"/>. It stands in for MQTTnet's own TCP adapter and hands each connection to the server
/// the same way.
/// </summary>
public sealed class CappedTcpServerAdapter(int maxRemainingLength, Action onRefused, ushort topicAliasMaximum) : IMqttServerAdapter
{
    private readonly List<TcpListener> _listeners = [];
    private readonly CancellationTokenSource _stop = new();
    private IMqttNetLogger _logger = MqttNetNullLogger.Instance;

    /// <inheritdoc />
    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <inheritdoc />
    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _logger = logger;
        if (options.DefaultEndpointOptions.IsEnabled)
        {
            Listen(options.DefaultEndpointOptions.BoundInterNetworkAddress, options.DefaultEndpointOptions.Port, null, options);
        }

        if (options.TlsEndpointOptions.IsEnabled)
        {
            Listen(options.TlsEndpointOptions.BoundInterNetworkAddress, options.TlsEndpointOptions.Port,
                options.TlsEndpointOptions.CertificateProvider.GetCertificate(), options);
        }

        return Task.CompletedTask;
    }

    private void Listen(IPAddress address, int port, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, MqttServerOptions options)
    {
        var listener = new TcpListener(address, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start(options.DefaultEndpointOptions.ConnectionBacklog);
        _listeners.Add(listener);
        _ = Accept(listener, certificate, options);
    }

    private async Task Accept(TcpListener listener, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, MqttServerOptions options)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Serve(socket, certificate, options);
        }
    }

    private async Task Serve(Socket socket, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, MqttServerOptions options)
    {
        socket.NoDelay = options.DefaultEndpointOptions.NoDelay;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (certificate is not null)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(options.DefaultCommunicationTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = options.TlsEndpointOptions.SslProtocol,
                }, timeout.Token);
            }

            // Local end first, then the remote one: the refusal log names the client.
            var channel = new MqttTcpChannel(new PacketCapStream(stream, maxRemainingLength, onRefused), socket.LocalEndPoint, socket.RemoteEndPoint, null);
            using var inner = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax)), _logger)
            {
                AllowPacketFragmentation = options.DefaultEndpointOptions.AllowPacketFragmentation,
            };
            using var adapter = new AliasLimitingChannelAdapter(inner, topicAliasMaximum);
            if (ClientHandler is { } handler)
            {
                await handler(adapter);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // The client went, failed TLS, or sent a packet over the cap.
        }
        finally
        {
            await stream.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public Task StopAsync()
    {
        _stop.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }

        _listeners.Clear();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        StopAsync();
        _stop.Dispose();
    }
}
