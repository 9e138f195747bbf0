using System.Buffers.Binary;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pax.Live.Benchmarks;

/// <summary>
/// One MQTT 5 connection over TCP whose PUBLISH packets (QoS 0) are encoded once and written a whole burst at a time:
/// a publisher that costs next to nothing per message, so that a burst's time and allocations are the server's. Only
/// what that needs of the protocol: CONNECT with a clean start and no keep-alive, its CONNACK, PUBLISH, DISCONNECT.
/// </summary>
public sealed class PreEncodedPublisher : IAsyncDisposable
{
    private const byte ProtocolLevel = 5;
    private const int TsDigits = 13;

    private static readonly byte[] Disconnect = [0xE0, 0x00]; // DISCONNECT, normal

    private readonly Socket _socket;
    private readonly byte[] _packets;
    private readonly int[] _stamps;

    private PreEncodedPublisher(Socket socket, byte[] packets, int[] stamps)
    {
        _socket = socket;
        _packets = packets;
        _stamps = stamps;
    }

    /// <summary>
    /// Connects as <paramref name="clientId"/> to 127.0.0.1:<paramref name="port"/> and encodes <paramref name="messages"/>,
    /// whose payloads hold a 13-digit timestamp at <paramref name="tsOffset"/>; throws if the broker refuses.
    /// </summary>
    public static async Task<PreEncodedPublisher> Connect(int port, string clientId, IReadOnlyList<(string Topic, byte[] Payload)> messages, int tsOffset)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await SendAll(socket, ConnectPacket(clientId));
        var reason = await ReadConnAckReason(socket);
        if (reason != 0)
        {
            socket.Dispose();
            throw new InvalidOperationException($"{clientId} was refused: reason code 0x{reason:X2}");
        }

        using var packets = new MemoryStream();
        var stamps = new int[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var (topic, payload) = messages[i];
            var topicBytes = Encoding.UTF8.GetBytes(topic);
            packets.WriteByte(0x30); // PUBLISH, QoS 0, no retain
            WriteLength(packets, 2 + topicBytes.Length + 1 + payload.Length);
            WriteString(packets, topicBytes);
            packets.WriteByte(0); // no properties
            stamps[i] = (int)packets.Position + tsOffset;
            packets.Write(payload);
        }

        return new PreEncodedPublisher(socket, packets.ToArray(), stamps);
    }

    /// <summary>Writes <paramref name="unixMs"/> into every message's timestamp.</summary>
    public void Stamp(long unixMs)
    {
        foreach (var at in _stamps)
        {
            Utf8Formatter.TryFormat(unixMs, _packets.AsSpan(at, TsDigits), out _);
        }
    }

    /// <summary>Writes every message; complete when the socket has taken them all.</summary>
    public Task Send() => SendAll(_socket, _packets);

    private static async Task SendAll(Socket socket, ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None)..];
        }
    }

    private static byte[] ConnectPacket(string clientId)
    {
        using var body = new MemoryStream();
        WriteString(body, "MQTT"u8.ToArray());
        body.WriteByte(ProtocolLevel);
        body.WriteByte(0x02); // clean start, no user name, password or will
        body.WriteByte(0); // keep-alive 0: the broker never times the connection out
        body.WriteByte(0);
        body.WriteByte(0); // no properties
        WriteString(body, Encoding.UTF8.GetBytes(clientId));

        using var packet = new MemoryStream();
        packet.WriteByte(0x10);
        WriteLength(packet, (int)body.Length);
        body.WriteTo(packet);
        return packet.ToArray();
    }

    /// <summary>The CONNACK's reason code (0: success).</summary>
    private static async Task<byte> ReadConnAckReason(Socket socket)
    {
        var header = new byte[1];
        await ReceiveExactly(socket, header);
        if (header[0] != 0x20)
        {
            throw new InvalidOperationException($"expected CONNACK, got packet type 0x{header[0]:X2}");
        }

        var length = 0;
        var shift = 0;
        var one = new byte[1];
        do
        {
            await ReceiveExactly(socket, one);
            length |= (one[0] & 0x7F) << shift;
            shift += 7;
        }
        while ((one[0] & 0x80) != 0);

        var body = new byte[length];
        await ReceiveExactly(socket, body);
        return body[1]; // after the acknowledge flags
    }

    private static async Task ReceiveExactly(Socket socket, Memory<byte> into)
    {
        while (!into.IsEmpty)
        {
            var read = await socket.ReceiveAsync(into, SocketFlags.None);
            if (read == 0)
            {
                throw new InvalidOperationException("the broker closed the connection");
            }

            into = into[read..];
        }
    }

    /// <summary>MQTT's variable byte integer.</summary>
    private static void WriteLength(Stream stream, int length)
    {
        do
        {
            var digit = (byte)(length & 0x7F);
            length >>= 7;
            stream.WriteByte(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);
    }

    private static void WriteString(Stream stream, byte[] utf8)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)utf8.Length);
        stream.Write(length);
        stream.Write(utf8);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await SendAll(_socket, Disconnect);
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // The broker went first.
        }

        _socket.Dispose();
    }
}
