using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Pax.Live.LoadTool;

/// <summary>
/// One load device: an MQTT 3.1.1 connection over a plain socket that sends packets built once (<see cref="Packet"/>).
/// A general MQTT client spent about as much CPU per publish as the server spends taking it, so the generator, not the
/// server, ran out of its core and its own timings (the watchers' <c>AlertRaised</c>) measured its backlog. The bytes
/// on the wire are what any device sends; only the generator's cost per message changes.
/// </summary>
public sealed class WireDevice : IAsyncDisposable
{
    private const byte ConnectPacket = 0x10, ConnAck = 0x20, PublishQos0 = 0x30, PublishQos1 = 0x32, PubAck = 0x40, PingReq = 0xC0, Disconnect = 0xE0;

    private readonly Socket _socket;
    private readonly Lock _sending = new();
    private readonly Dictionary<ushort, TaskCompletionSource> _awaitingAck = [];
    private readonly Task _reading;
    private ushort _nextPacketId;

    private WireDevice(Socket socket)
    {
        _socket = socket;
        _reading = Task.Run(Read);
    }

    /// <summary>Connects and waits for the broker's CONNACK.</summary>
    public static async Task<WireDevice> Connect(string host, int port, string clientId, TimeSpan keepAlive, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(host, port, ct);
        var id = Encoding.UTF8.GetBytes(clientId);
        var body = new List<byte>();
        body.AddRange([0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02]); // protocol 3.1.1, clean session
        body.AddRange([(byte)((int)keepAlive.TotalSeconds >> 8), (byte)(int)keepAlive.TotalSeconds]);
        body.AddRange([(byte)(id.Length >> 8), (byte)id.Length]);
        body.AddRange(id);
        await socket.SendAsync(Frame(ConnectPacket, [.. body]), ct);

        var ack = new byte[4];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        for (var read = 0; read < ack.Length;)
        {
            var n = await socket.ReceiveAsync(ack.AsMemory(read), timeout.Token);
            read += n > 0 ? n : throw new InvalidOperationException($"{clientId}: the broker closed the connection.");
        }

        if (ack[0] != ConnAck || ack[3] != 0)
        {
            socket.Dispose();
            throw new InvalidOperationException($"{clientId} was refused: CONNACK {ack[3]}");
        }

        return new WireDevice(socket);
    }

    /// <summary>A QoS 0 PUBLISH of <paramref name="payload"/> to <paramref name="topic"/>, and where its payload starts in it.</summary>
    public static (byte[] Packet, int PayloadAt) Packet(string topic, ReadOnlySpan<byte> payload)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var body = new byte[2 + topicBytes.Length + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)topicBytes.Length);
        topicBytes.CopyTo(body, 2);
        payload.CopyTo(body.AsSpan(2 + topicBytes.Length));
        var packet = Frame(PublishQos0, body);
        return (packet, packet.Length - payload.Length);
    }

    /// <summary>Sends a packet built by <see cref="Packet"/>, with <paramref name="ts"/> written at <paramref name="tsAt"/> first.</summary>
    public void Send(byte[] packet, int tsAt, long ts)
    {
        lock (_sending)
        {
            Utf8Formatter.TryFormat(ts, packet.AsSpan(tsAt, TsDigits), out _);
            _socket.Send(packet);
        }
    }

    private void Send(byte[] packet)
    {
        lock (_sending)
        {
            _socket.Send(packet);
        }
    }

    /// <summary>Digits of a Unix millisecond time until 2286.</summary>
    public const int TsDigits = 13;

    /// <summary>A QoS 1 PUBLISH, complete when the broker acknowledged it.</summary>
    public Task PublishAcknowledged(string topic, ReadOnlySpan<byte> payload)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_sending)
        {
            var packetId = ++_nextPacketId == 0 ? ++_nextPacketId : _nextPacketId;
            var body = new byte[2 + topicBytes.Length + 2 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(body, (ushort)topicBytes.Length);
            topicBytes.CopyTo(body, 2);
            BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2 + topicBytes.Length), packetId);
            payload.CopyTo(body.AsSpan(4 + topicBytes.Length));
            lock (_awaitingAck)
            {
                _awaitingAck[packetId] = done;
            }

            _socket.Send(Frame(PublishQos1, body));
        }

        return done.Task;
    }

    /// <summary>Tells the broker the connection is alive (for devices that publish nothing).</summary>
    public void Ping() => Send([PingReq, 0]);

    /// <summary>Reads what the broker sends: PUBACKs complete their publishes; anything else (PINGRESP) is skipped.</summary>
    private async Task Read()
    {
        var buffer = new byte[4096];
        var filled = 0;
        try
        {
            while (true)
            {
                var n = await _socket.ReceiveAsync(buffer.AsMemory(filled));
                if (n == 0)
                {
                    break;
                }

                filled += n;
                var at = 0;
                while (filled - at >= 2 && TryRemainingLength(buffer.AsSpan(at + 1, filled - at - 1), out var length, out var lengthBytes)
                    && filled - at >= 1 + lengthBytes + length)
                {
                    if (buffer[at] == PubAck && length >= 2)
                    {
                        var packetId = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(at + 1 + lengthBytes));
                        TaskCompletionSource? done;
                        lock (_awaitingAck)
                        {
                            _awaitingAck.Remove(packetId, out done);
                        }

                        done?.TrySetResult();
                    }

                    at += 1 + lengthBytes + length;
                }

                buffer.AsSpan(at, filled - at).CopyTo(buffer);
                filled -= at;
            }
        }
        catch (Exception)
        {
            // Closed: the publishes still waiting fail below.
        }

        lock (_awaitingAck)
        {
            foreach (var waiting in _awaitingAck.Values)
            {
                waiting.TrySetException(new InvalidOperationException("The connection closed before the broker acknowledged."));
            }

            _awaitingAck.Clear();
        }
    }

    private static bool TryRemainingLength(ReadOnlySpan<byte> bytes, out int length, out int used)
    {
        length = 0;
        for (used = 0; used < Math.Min(4, bytes.Length); used++)
        {
            length |= (bytes[used] & 0x7F) << (7 * used);
            if ((bytes[used] & 0x80) == 0)
            {
                used++;
                return true;
            }
        }

        return false;
    }

    private static byte[] Frame(byte type, byte[] body)
    {
        Span<byte> length = stackalloc byte[4];
        var used = 0;
        var left = body.Length;
        do
        {
            var digit = (byte)(left % 128);
            left /= 128;
            length[used++] = left > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (left > 0);

        var packet = new byte[1 + used + body.Length];
        packet[0] = type;
        length[..used].CopyTo(packet.AsSpan(1));
        body.CopyTo(packet, 1 + used);
        return packet;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Send([Disconnect, 0]);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception)
        {
            // Closing: a broker that went first is no error.
        }

        _socket.Dispose();
        await _reading;
    }
}
