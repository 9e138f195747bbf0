using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Pax.Live.Server.Tests;

/// <summary>
/// An MQTT 5 client written byte by byte, for what a well-behaved library will not send: a topic alias over the broker's
/// maximum, the same QoS 2 packet id a hundred times.
/// </summary>
public sealed class RawMqtt : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawMqtt(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>Connects and sends CONNECT; returns the client and the CONNACK's reason code and properties.</summary>
    public static async Task<(RawMqtt Client, byte Reason, byte[] Properties)> Connect(int port, string clientId, string user, string password)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var client = new RawMqtt(tcp);
        var body = new List<byte>();
        body.AddRange(Str("MQTT"));
        body.Add(5);
        body.Add(0x80 | 0x40 | 0x02); // user name, password, clean start
        body.AddRange([0, 60]);
        body.Add(0); // no properties
        body.AddRange(Str(clientId));
        body.AddRange(Str(user));
        body.AddRange(Str(password));
        await client.Send(0x10, body);
        var (type, connAck) = await client.Read();
        Assert.Equal(0x20, type & 0xF0);
        var (propertiesLength, at) = VarInt(connAck, 2);
        return (client, connAck[1], connAck[at..(at + propertiesLength)]);
    }

    /// <summary>The topic-alias maximum a CONNACK's properties give (0 when absent: none allowed).</summary>
    public static int TopicAliasMaximum(byte[] properties)
    {
        for (var i = 0; i < properties.Length;)
        {
            var id = properties[i++];
            switch (id)
            {
                case 0x22: return BinaryPrimitives.ReadUInt16BigEndian(properties.AsSpan(i));
                case 0x21 or 0x13: i += 2; break; // receive maximum, server keep alive
                case 0x11 or 0x27: i += 4; break; // session expiry, maximum packet size
                case 0x24 or 0x25 or 0x28 or 0x29 or 0x2A: i += 1; break;
                case 0x12 or 0x1A or 0x1C or 0x1F or 0x15: i += 2 + BinaryPrimitives.ReadUInt16BigEndian(properties.AsSpan(i)); break;
                case 0x16: i += 2 + BinaryPrimitives.ReadUInt16BigEndian(properties.AsSpan(i)); break;
                case 0x26:
                    i += 2 + BinaryPrimitives.ReadUInt16BigEndian(properties.AsSpan(i));
                    i += 2 + BinaryPrimitives.ReadUInt16BigEndian(properties.AsSpan(i));
                    break;
                default: throw new InvalidOperationException($"CONNACK property 0x{id:x2} not known to this test client");
            }
        }

        return 0;
    }

    /// <summary>Sends a PUBLISH.</summary>
    public Task Publish(string topic, byte[] payload, int qos, ushort packetId = 0, ushort topicAlias = 0, bool dup = false)
    {
        var body = new List<byte>();
        body.AddRange(Str(topic));
        if (qos > 0)
        {
            body.AddRange([(byte)(packetId >> 8), (byte)packetId]);
        }

        if (topicAlias > 0)
        {
            body.AddRange([3, 0x23, (byte)(topicAlias >> 8), (byte)topicAlias]);
        }
        else
        {
            body.Add(0);
        }

        body.AddRange(payload);
        return Send((byte)(0x30 | (dup ? 0x08 : 0) | (qos << 1)), body);
    }

    /// <summary>Sends a PUBREL for <paramref name="packetId"/>.</summary>
    public Task Release(ushort packetId) => Send(0x62, [(byte)(packetId >> 8), (byte)packetId]);

    /// <summary>Reads one packet: its first byte and its body; (0, []) when the broker closed the connection.</summary>
    public async Task<(byte Type, byte[] Body)> Read()
    {
        var first = new byte[1];
        if (await _stream.ReadAsync(first) == 0)
        {
            return (0, []);
        }

        int length = 0, multiplier = 1;
        byte b;
        do
        {
            var one = new byte[1];
            await _stream.ReadExactlyAsync(one);
            b = one[0];
            length += (b & 0x7F) * multiplier;
            multiplier *= 128;
        }
        while ((b & 0x80) != 0);

        var body = new byte[length];
        await _stream.ReadExactlyAsync(body);
        return (first[0], body);
    }

    private async Task Send(byte first, List<byte> body)
    {
        var packet = new List<byte> { first };
        var length = body.Count;
        do
        {
            var digit = (byte)(length % 128);
            length /= 128;
            packet.Add(length > 0 ? (byte)(digit | 0x80) : digit);
        }
        while (length > 0);

        packet.AddRange(body);
        await _stream.WriteAsync(packet.ToArray());
    }

    private static byte[] Str(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
    }

    private static (int Value, int Next) VarInt(byte[] data, int at)
    {
        int value = 0, multiplier = 1;
        byte b;
        do
        {
            b = data[at++];
            value += (b & 0x7F) * multiplier;
            multiplier *= 128;
        }
        while ((b & 0x80) != 0);

        return (value, at);
    }

    public ValueTask DisposeAsync()
    {
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
