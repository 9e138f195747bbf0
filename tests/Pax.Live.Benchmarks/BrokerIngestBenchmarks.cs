using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Server.Hosting;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Benchmarks;

/// <summary>
/// From MQTT publishers over real TCP through the server's embedded broker and ingest into the place grains: the
/// server's own host (silo, ingest, broker and live fan-out as <c>Program.cs</c> wires them, with its default storage,
/// SQLite in a temporary data directory) in this process, 100 seeded places, and <see cref="Connections"/> connections
/// on loopback. One invocation publishes a burst of 10,000 4-signal QoS 0 messages (5 devices at each place, payload
/// bytes built once) spread over the connections, and ends when the server counts all of their signals applied by their
/// places (<see cref="IngestMetrics.SignalsApplied"/>). One operation is one message. The publishers are MQTTnet
/// clients, one awaited publish after another as a device's general client would, or <see cref="WireDevice"/>s
/// that write the burst's packets encoded once, so that nearly all of the time and of the allocated bytes (the whole
/// process's) are the server's.
/// </summary>
[MemoryDiagnoser]
public class BrokerIngestBenchmarks
{
    /// <summary>Messages per invocation.</summary>
    public const int Messages = 10_000;

    private const int Places = 100;
    private const int DevicesPerPlace = 5;
    private const int SignalsPerMessage = 4;
    private const int TsOffset = 6; // {"ts":
    private const int TsDigits = 13;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly byte[][] _payloads = new byte[DevicesPerPlace][];
    private WebApplication _server = null!;
    private IngestMetrics _metrics = null!;
    private IngestStats _stats = null!;
    private IMqttClient[] _clients = [];
    private WireDevice[] _preEncoded = [];
    private WireBurst[] _preEncodedBursts = [];
    private MqttApplicationMessage[][] _burst = null!;
    private Task[] _sends = null!;
    private string _seed = "";
    private string _data = "";
    private volatile bool _stopping;

    /// <summary>MQTT connections the burst is spread over: few pipelining ones, one a place, many devices.</summary>
    [Params(10, 100, 1_000)]
    public int Connections { get; set; }

    /// <summary>Who publishes.</summary>
    [Params(Publishers.MqttNetClient, Publishers.PreEncoded)]
    public Publishers Publisher { get; set; }

    /// <summary>The kinds of publisher.</summary>
    public enum Publishers
    {
        /// <summary>An MQTTnet client per connection, awaiting each publish.</summary>
        MqttNetClient,
        /// <summary>A <see cref="WireDevice"/> per connection: the burst's packets encoded once, in one write.</summary>
        PreEncoded,
    }

    [GlobalSetup]
    public async Task Setup()
    {
        // Places go in as the server's seed file, as pax-load seeds them.
        _seed = Path.Combine(Path.GetTempPath(), $"pax-bench-places-{Environment.ProcessId}.json");
        _data = Path.Combine(Path.GetTempPath(), $"pax-bench-data-{Environment.ProcessId}-{Connections}-{Publisher}");
        var places = new object[Places];
        for (var p = 0; p < Places; p++)
        {
            places[p] = new { id = PlaceId(p), name = $"Bench {p}", kind = "torg", latitude = 59.27, longitude = 15.21 };
        }

        await File.WriteAllTextAsync(_seed, JsonSerializer.Serialize(places, JsonSerializerOptions.Web));

        var mqttPort = TestPorts.Claim();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args =
            [
                "--urls", "http://127.0.0.1:0",
                $"--Pax:DataDirectory={_data}",
                "--Pax:Mqtt:BindAddress=127.0.0.1", $"--Pax:Mqtt:Port={mqttPort}",
                $"--Pax:Orleans:SiloPort={TestPorts.Claim()}", $"--Pax:Orleans:GatewayPort={TestPorts.Claim()}",
                $"--Pax:Catalog:SeedFile={_seed}", "--Pax:Catalog:SitePlanSeedFile=",

                // The clients publish as anonymous lab clients without a budget, as pax-load's do: a signed-in device
                // may publish only for its own place, which would tie the places fed to the number of connections.
                // Sign-in costs once per connection; per message it adds one topic prefix compare.
                "--Pax:Mqtt:AllowAnonymous=true", "--Pax:Mqtt:MessagesPerSecond=0",

                // A burst is over when its last reading is in: the places' periodic hold would add its wait to every
                // burst. Batching comes from the burst itself (every place has a hundred messages waiting).
                "--Pax:Ingest:PeriodicHold=00:00:00",
            ],
        });

        // Warnings and errors while it runs. Once it stops, only the critical: places whose timers fire while the silo
        // leaves cannot reach the notifier, and Orleans says so in hundreds of lines about nothing that was measured.
        builder.Logging.AddFilter<ConsoleLoggerProvider>((_, level) => level >= (_stopping ? LogLevel.Critical : LogLevel.Warning));
        builder.AddPaxSilo();
        builder.AddPaxLive();
        builder.AddPaxIngest();
        _server = builder.Build();
        await _server.StartAsync();
        _metrics = _server.Services.GetRequiredService<IngestMetrics>();
        _stats = _server.Services.GetRequiredService<IngestStats>();

        for (var d = 0; d < DevicesPerPlace; d++)
        {
            _payloads[d] = Payload(d);
        }

        // Message m is for place m % 100 from its device (m / 100) % 5, sent by connection m % Connections: the server
        // sees the same messages whatever the number of connections.
        var perConnection = new List<(string Topic, byte[] Payload)>[Connections];
        for (var c = 0; c < Connections; c++)
        {
            perConnection[c] = new List<(string, byte[])>((Messages / Connections) + 1);
        }

        for (var m = 0; m < Messages; m++)
        {
            var place = m % Places;
            var device = m / Places % DevicesPerPlace;
            perConnection[m % Connections].Add(($"pax/v1/{PlaceId(place)}/cam-{place:D3}-{device}/signals", _payloads[device]));
        }

        if (Publisher == Publishers.MqttNetClient)
        {
            _clients = new IMqttClient[Connections];
            _burst = new MqttApplicationMessage[Connections][];
        }
        else
        {
            _preEncoded = new WireDevice[Connections];
            _preEncodedBursts = new WireBurst[Connections];
        }

        // In waves: a thousand simultaneous handshakes only time out.
        const int Wave = 200;
        var factory = new MqttClientFactory();
        for (var start = 0; start < Connections; start += Wave)
        {
            var wave = new List<Task>();
            for (var c = start; c < Math.Min(start + Wave, Connections); c++)
            {
                wave.Add(Publisher == Publishers.MqttNetClient
                    ? Connect(factory, c, mqttPort, perConnection[c])
                    : ConnectPreEncoded(c, mqttPort, perConnection[c]));
            }

            await Task.WhenAll(wave);
        }

        // Each burst stamps the payload arrays in place: that reaches the messages only if they hold the arrays, not copies.
        if (Publisher == Publishers.MqttNetClient
            && (!MemoryMarshal.TryGetArray(_burst[0][0].Payload.First, out var held) || !Array.Exists(_payloads, p => ReferenceEquals(p, held.Array))))
        {
            throw new InvalidOperationException("MQTTnet copied the payload into the message: the bursts would not be stamped with their time.");
        }

        _sends = new Task[Connections];

        // Every place active and every device known before measuring: activation is a one-off, not ingest.
        await Burst();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        foreach (var client in _clients)
        {
            if (client is { IsConnected: true })
            {
                await client.DisconnectAsync();
            }

            client?.Dispose();
        }

        foreach (var publisher in _preEncoded)
        {
            if (publisher is not null)
            {
                await publisher.DisposeAsync();
            }
        }

        _stopping = true;
        await _server.StopAsync();
        await _server.DisposeAsync();
        File.Delete(_seed);
        Directory.Delete(_data, recursive: true);
    }

    /// <summary>The burst from every connection at once, until the places have applied all of it.</summary>
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Burst()
    {
        var target = _metrics.SignalsApplied + ((long)Messages * SignalsPerMessage);
        var accepted = _stats.Accepted;

        // Stamped with now, as a live device's readings are; nothing is in flight between bursts.
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (Publisher == Publishers.MqttNetClient)
        {
            foreach (var payload in _payloads)
            {
                Utf8Formatter.TryFormat(now, payload.AsSpan(TsOffset, TsDigits), out _);
            }

            for (var c = 0; c < _clients.Length; c++)
            {
                _sends[c] = Send(_clients[c], _burst[c]);
            }
        }
        else
        {
            for (var c = 0; c < _preEncoded.Length; c++)
            {
                _preEncodedBursts[c].Stamp(now);
                _sends[c] = _preEncoded[c].Send(_preEncodedBursts[c]);
            }
        }

        await Task.WhenAll(_sends);

        // A millisecond's poll: at most that on a burst of hundreds of milliseconds.
        var deadline = Stopwatch.GetTimestamp() + (long)(Patience.TotalSeconds * Stopwatch.Frequency);
        while (_metrics.SignalsApplied < target)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException(
                    $"{target - _metrics.SignalsApplied} signals not applied after {Patience.TotalSeconds} s; " +
                    $"messages accepted {_stats.Accepted - accepted} of {Messages}, stats {JsonSerializer.Serialize(_stats.Snapshot())}");
            }

            await Task.Delay(1);
        }
    }

    private static async Task Send(IMqttClient client, MqttApplicationMessage[] messages)
    {
        foreach (var message in messages)
        {
            await client.PublishAsync(message, CancellationToken.None);
        }
    }

    private async Task Connect(MqttClientFactory factory, int index, int port, List<(string Topic, byte[] Payload)> messages)
    {
        var burst = new MqttApplicationMessage[messages.Count];
        for (var i = 0; i < burst.Length; i++)
        {
            burst[i] = new MqttApplicationMessageBuilder()
                .WithTopic(messages[i].Topic)
                .WithPayload(messages[i].Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                .Build();
        }

        _burst[index] = burst;

        var client = factory.CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(string.Create(CultureInfo.InvariantCulture, $"bench-{index:D4}"))
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromMinutes(5))
            .WithTimeout(TimeSpan.FromSeconds(60))
            .Build();
        var result = await client.ConnectAsync(options);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"bench-{index} was refused: {result.ResultCode}");
        }

        _clients[index] = client;
    }

    private async Task ConnectPreEncoded(int index, int port, List<(string Topic, byte[] Payload)> messages)
    {
        _preEncodedBursts[index] = new WireBurst(messages, TsOffset);
        _preEncoded[index] = await WireDevice.Connect(port, string.Create(CultureInfo.InvariantCulture, $"bench-{index:D4}"));
    }

    private static string PlaceId(int index) => string.Create(CultureInfo.InvariantCulture, $"bench-{index:D3}");

    /// <summary>Four periodic readings. The seeded places have no thresholds, so readings never raise an alert: this is the reading path.</summary>
    private static byte[] Payload(int variant) => Encoding.UTF8.GetBytes(string.Create(
        CultureInfo.InvariantCulture,
        $$"""{"ts":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}},"signals":[{"kind":"motion","value":{{0.25 + (variant * 0.01)}}},{"kind":"people","value":{{12 + variant}}},{"kind":"loiter","value":30},{"kind":"sound","value":55}]}"""));
}
