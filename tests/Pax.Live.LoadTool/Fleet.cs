using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Pax.Live.LoadTool;

/// <summary>
/// The publishing devices: one MQTT connection each, spread over the places (device i publishes for places i, i + N,
/// i + 2N, … mod P in turn, so every place is active even with fewer devices than places). A few
/// workers pace the whole fleet at the target rate, round-robin over their devices, QoS 0 as periodic signals travel.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private const int Workers = 8;
    private const int TsOffset = 6; // {"ts":
    private const int TsDigits = 13;

    private readonly IMqttClient[] _clients;
    private readonly IMqttClient[] _idle;
    private readonly string[][] _topics;
    private readonly int[] _nextTopic;
    private long _sent;
    private long _failed;

    private Fleet(IMqttClient[] clients, IMqttClient[] idle, string[][] topics)
    {
        _clients = clients;
        _idle = idle;
        _topics = topics;
        _nextTopic = new int[clients.Length];
    }

    /// <summary>Messages published so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Publishes that failed.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>The id of place <paramref name="index"/>.</summary>
    public static string PlaceId(int index) => string.Create(CultureInfo.InvariantCulture, $"load-{index:D5}");

    private static string Topic(int place, int device) => $"pax/v1/{PlaceId(place)}/dev-{device:D6}/signals";

    /// <summary>Connects <paramref name="devices"/> publishing devices and <paramref name="idle"/> idle ones.</summary>
    public static async Task<Fleet> Connect(string host, int port, int devices, int places, int idle, CancellationToken ct)
    {
        var factory = new MqttClientFactory();
        var clients = new IMqttClient[devices];
        var idleClients = new IMqttClient[idle];
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

        async Task<IMqttClient> One(string clientId)
        {
            var client = factory.CreateMqttClient();
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer(host, port)
                .WithClientId(clientId)
                .WithCleanSession()
                .WithKeepAlivePeriod(TimeSpan.FromMinutes(5))
                .WithTimeout(TimeSpan.FromSeconds(60))
                .Build();
            var result = await client.ConnectAsync(options, ct);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"{clientId} was refused: {result.ResultCode}");
            }

            return client;
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
                    ? Task.Run(async () => clients[index] = await One($"dev-{index:D6}"), ct)
                    : Task.Run(async () => idleClients[index - devices] = await One($"idle-{index:D6}"), ct));
            }

            await Task.WhenAll(wave);
        }

        return new Fleet(clients, idleClients, topics);
    }

    /// <summary>Publishes at <paramref name="rate"/> messages per second in total until <paramref name="ct"/> ends.</summary>
    public Task Run(int rate, int signals, CancellationToken ct)
    {
        var workers = new Task[Workers];
        for (var w = 0; w < Workers; w++)
        {
            var worker = w;
            workers[w] = Task.Run(() => Work(worker, (double)rate / Workers, signals, ct), CancellationToken.None);
        }

        return Task.WhenAll(workers);
    }

    private async Task Work(int worker, double rate, int signals, CancellationToken ct)
    {
        var payload = Payload(signals, worker);
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
            Utf8Formatter.TryFormat(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), payload.AsSpan(TsOffset, TsDigits), out _);
            for (var i = 0; i < owed && !ct.IsCancellationRequested; i++)
            {
                var device = next % _clients.Length;
                next += Workers;
                var topics = _topics[device];
                var topic = topics[_nextTopic[device]++ % topics.Length];
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                    .Build();
                try
                {
                    await _clients[device].PublishAsync(message, CancellationToken.None);
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
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
                await _clients[device].PublishAsync(message, ct);
            }
        }

        var devices = new Task[_clients.Length];
        for (var i = 0; i < devices.Length; i++)
        {
            devices[i] = One(i);
        }

        await Task.WhenAll(devices);
    }

    /// <summary>Sends one QoS 1 impulse from the first device of a place, stamped with the send time.</summary>
    public async Task Probe(int place, long sentUnixMs)
    {
        var device = place % _clients.Length;
        var json = string.Create(CultureInfo.InvariantCulture, $$"""{"ts":{{sentUnixMs}},"signals":[{"kind":"impulse","value":1}]}""");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(place, device))
            .WithPayload(Encoding.UTF8.GetBytes(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _clients[device].PublishAsync(message, CancellationToken.None);
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
        foreach (var client in _clients.Concat(_idle))
        {
            if (client is null)
            {
                continue;
            }

            try
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync();
                }
            }
            catch (Exception)
            {
                // Closing: a broker that went first is no error.
            }

            client.Dispose();
        }
    }
}
