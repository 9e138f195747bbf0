using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Pax.Live.LoadTool;

/// <summary>
/// The publishing devices: one MQTT connection each (<see cref="WireDevice"/>), spread over the places (device i
/// publishes for places i, i + N, i + 2N, … mod P in turn, so every place is active even with fewer devices than
/// places). A few workers pace the whole fleet at the target rate, round-robin over their devices, QoS 0 as periodic
/// signals travel.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private const int Workers = 8;
    private const int TsOffset = 6; // {"ts":
    private static readonly TimeSpan KeepAlive = TimeSpan.FromMinutes(5);

    private readonly WireDevice[] _devices;
    private readonly WireDevice[] _idle;
    private readonly string[][] _topics;
    private readonly byte[][][] _packets;
    private readonly int[][] _tsAt;
    private readonly int[] _nextTopic;
    private readonly Timer _pinging;
    private long _sent;
    private long _failed;

    private Fleet(WireDevice[] devices, WireDevice[] idle, string[][] topics, int signals)
    {
        _devices = devices;
        _idle = idle;
        _topics = topics;
        _nextTopic = new int[devices.Length];
        _packets = new byte[devices.Length][][];
        _tsAt = new int[devices.Length][];
        for (var d = 0; d < devices.Length; d++)
        {
            var payload = Payload(signals, d % Workers);
            _packets[d] = new byte[topics[d].Length][];
            _tsAt[d] = new int[topics[d].Length];
            for (var t = 0; t < topics[d].Length; t++)
            {
                var (packet, payloadAt) = WireDevice.Packet(topics[d][t], payload);
                _packets[d][t] = packet;
                _tsAt[d][t] = payloadAt + TsOffset;
            }
        }

        // Idle devices publish nothing: they ping, so that the broker's keep-alive does not close them in a long run.
        _pinging = new Timer(_ => PingIdle(), null, KeepAlive / 5, KeepAlive / 5);
    }

    /// <summary>Messages published so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Publishes that failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The id of place <paramref name="index"/>.</summary>
    public static string PlaceId(int index) => string.Create(CultureInfo.InvariantCulture, $"load-{index:D5}");

    private static string Topic(int place, int device) => $"pax/v1/{PlaceId(place)}/dev-{device:D6}/signals";

    /// <summary>Connects <paramref name="devices"/> publishing devices and <paramref name="idle"/> idle ones.</summary>
    public static async Task<Fleet> Connect(string host, int port, int devices, int places, int idle, int signals, CancellationToken ct)
    {
        var publishing = new WireDevice[devices];
        var idleDevices = new WireDevice[idle];
        var topics = new string[devices][];
        var perDevice = Math.Max(1, (places + devices - 1) / devices);
        for (var i = 0; i < devices; i++)
        {
            topics[i] = new string[perDevice];
            for (var k = 0; k < perDevice; k++)
            {
                topics[i][k] = Topic((i + (k * devices)) % places, i);
            }
        }

        // Connect in waves: thousands of simultaneous handshakes only time out.
        const int Wave = 200;
        for (var start = 0; start < devices + idle; start += Wave)
        {
            var wave = new List<Task>();
            for (var i = start; i < Math.Min(start + Wave, devices + idle); i++)
            {
                var index = i;
                wave.Add(index < devices
                    ? Task.Run(async () => publishing[index] = await WireDevice.Connect(host, port, $"dev-{index:D6}", KeepAlive, ct), ct)
                    : Task.Run(async () => idleDevices[index - devices] = await WireDevice.Connect(host, port, $"idle-{index:D6}", KeepAlive, ct), ct));
            }

            await Task.WhenAll(wave);
        }

        return new Fleet(publishing, idleDevices, topics, signals);
    }

    /// <summary>Publishes at <paramref name="rate"/> messages per second in total until <paramref name="ct"/> ends.</summary>
    public Task Run(int rate, CancellationToken ct)
    {
        var workers = new Task[Workers];
        for (var w = 0; w < Workers; w++)
        {
            var worker = w;
            workers[w] = Task.Run(() => Work(worker, (double)rate / Workers, ct), CancellationToken.None);
        }

        return Task.WhenAll(workers);
    }

    private async Task Work(int worker, double rate, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        var next = worker;
        while (!ct.IsCancellationRequested)
        {
            var owed = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate) - sent;
            if (owed <= 0)
            {
                await Task.Delay(1, CancellationToken.None);
                continue;
            }

            // A publisher that fell far behind does not burst to catch up: it goes on at the rate from here.
            owed = Math.Min(owed, (long)Math.Max(1, rate / 10));
            var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var i = 0; i < owed && !ct.IsCancellationRequested; i++)
            {
                var device = next % _devices.Length;
                next += Workers;
                var topic = _nextTopic[device]++ % _packets[device].Length;
                try
                {
                    _devices[device].Send(_packets[device][topic], _tsAt[device][topic], ts);
                    Interlocked.Increment(ref _sent);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failed);
                }
            }

            sent += owed;
        }
    }

    /// <summary>Publishes one message to every place (QoS 1, so that each has arrived when this returns), every device at once.</summary>
    public async Task Prime(CancellationToken ct)
    {
        var payload = Payload(1, 0);
        async Task One(int device)
        {
            foreach (var topic in _topics[device])
            {
                await _devices[device].PublishAcknowledged(topic, payload).WaitAsync(ct);
            }
        }

        var devices = new Task[_devices.Length];
        for (var i = 0; i < devices.Length; i++)
        {
            devices[i] = One(i);
        }

        await Task.WhenAll(devices);
    }

    /// <summary>Sends one QoS 1 impulse from the first device of a place, stamped with the send time.</summary>
    public Task Probe(int place, long sentUnixMs)
    {
        var device = place % _devices.Length;
        var json = string.Create(CultureInfo.InvariantCulture, $$"""{"ts":{{sentUnixMs}},"signals":[{"kind":"impulse","value":1}]}""");
        return _devices[device].PublishAcknowledged(Topic(place, device), Encoding.UTF8.GetBytes(json));
    }

    private void PingIdle()
    {
        foreach (var device in _idle)
        {
            try
            {
                device.Ping();
            }
            catch (Exception)
            {
                // A closed idle connection is counted nowhere: it only stood in the broker's session table.
            }
        }
    }

    private static byte[] Payload(int signals, int variant)
    {
        string[] kinds = ["motion", "people", "loiter", "sound"];
        double[] values = [0.25 + (variant * 0.01), 12 + variant, 30, 55];
        var parts = new string[signals];
        for (var i = 0; i < signals; i++)
        {
            parts[i] = string.Create(CultureInfo.InvariantCulture, $$"""{"kind":"{{kinds[i % 4]}}","value":{{values[i % 4]}}}""");
        }

        return Encoding.UTF8.GetBytes($$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"signals":[{{string.Join(',', parts)}}]}""");
    }

    public async ValueTask DisposeAsync()
    {
        await _pinging.DisposeAsync();
        foreach (var device in _devices.Concat(_idle))
        {
            if (device is not null)
            {
                await device.DisposeAsync();
            }
        }
    }
}
