using System.Globalization;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;
using Pax.Live.Grains;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Benchmarks;

/// <summary>
/// From payload bytes into the place grains of an in-process silo: 2,500 messages of 4 signals from 5 devices at each
/// of 100 places, the way the server's ingest does it (parse, group by place, one grain call per place per round)
/// beside the naive way (JsonSerializer to objects, one grain call per signal). One operation is one signal.
/// </summary>
[MemoryDiagnoser]
public class GrainIngestBenchmarks
{
    /// <summary>Signals per invocation.</summary>
    public const int Signals = Messages * SignalsPerMessage;

    private const int Places = 100;
    private const int DevicesPerPlace = 5;
    private const int Messages = 2_500;
    private const int SignalsPerMessage = 4;

    private readonly Signal[] _parsed = new Signal[SignalPayload.MaxSignals];
    private readonly PlaceBatcher _batcher = new();
    private readonly List<Task> _calls = new(Signals);
    private IHost _host = null!;
    private IGrainFactory _grains = null!;
    private Message[] _messages = null!;

    private sealed record Message(string PlaceId, string DeviceId, byte[] Payload);

    [GlobalSetup]
    public async Task Setup()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddPaxGrains(TimeProvider.System, new LevelDefaults(PlaceRules.Default), PlaceSnapshotOptions.Default, PlaceTickOptions.Default);
        builder.UseOrleans(silo =>
        {
            // Free ports: other servers may run on this machine with the default 11111/30000.
            silo.UseLocalhostClustering(TestPorts.Claim(), TestPorts.Claim());
            silo.AddMemoryGrainStorage(PaxStorage.Name);
        });
        _host = builder.Build();
        await _host.StartAsync();
        _grains = _host.Services.GetRequiredService<IGrainFactory>();

        var random = new Random(7);
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _messages = new Message[Messages];
        for (var i = 0; i < Messages; i++)
        {
            var place = i % Places;
            var json = string.Create(
                CultureInfo.InvariantCulture,
                $$"""{"ts":{{ts}},"signals":[{"kind":"motion","value":{{random.NextDouble():0.###}}},{"kind":"people","value":{{random.Next(0, 40)}}},{"kind":"loiter","value":{{random.Next(0, 300)}}},{"kind":"sound","value":{{40 + random.Next(0, 40)}}}]}""");
            _messages[i] = new Message($"place-{place:D4}", $"cam-{place:D4}-{i / Places % DevicesPerPlace}", Encoding.UTF8.GetBytes(json));
        }

        // Activate every place before measuring: activation is a one-off, not ingest.
        await Batched();
        await Naive();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>Pax.Live's ingest: parse into a span, group by place, one call per place.</summary>
    [Benchmark(OperationsPerInvoke = Signals)]
    public async Task Batched()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var message in _messages)
        {
            if (SignalPayload.Parse(message.Payload, now, _parsed, out var ts, out var count) == RejectReason.None)
            {
                IngestEnvelope.ForSignals(message.PlaceId, message.DeviceId, ts, _parsed.AsSpan(0, count), out var envelope);
                _batcher.Add(ref envelope);
            }
        }

        foreach (var batch in _batcher.Pending)
        {
            var grain = batch.Grain ??= _grains.GetGrain<IPlaceGrain>(batch.PlaceId);
            _calls.Add(grain.Ingest(batch.Take()).AsTask());
        }

        _batcher.EndRound(Places * 4);
        await Task.WhenAll(_calls);
        _calls.Clear();
    }

    /// <summary>The naive baseline: deserialize each message to objects, one grain call per signal (all in flight at once).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Signals)]
    public async Task Naive()
    {
        foreach (var message in _messages)
        {
            var parsed = JsonSerializer.Deserialize<ParserBenchmarks.NaiveMessage>(message.Payload);
            if (parsed?.Signals is not { } signals)
            {
                continue;
            }

            foreach (var signal in signals)
            {
                if (signal.Kind is not null && SignalKinds.TryParse(signal.Kind, out var kind))
                {
                    var sample = new SignalSample(message.DeviceId, kind, signal.Value, parsed.Ts);
                    _calls.Add(_grains.GetGrain<IPlaceGrain>(message.PlaceId).Ingest(new SignalBatch([sample])).AsTask());
                }
            }
        }

        await Task.WhenAll(_calls);
        _calls.Clear();
    }

}
