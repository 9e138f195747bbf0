using System.Buffers;
using System.Globalization;
using System.Text;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pax.Live.Contracts;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Ingest.Tests;

public sealed class IngestTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Ingest and its queue over the places torget and parken; the options can be changed before use.</summary>
    internal sealed class Rig
    {
        public Rig(int capacity = 1000, int priorityCapacity = 1000)
        {
            Options = new IngestOptions { QueueCapacity = capacity, PriorityCapacity = priorityCapacity };
            Queue = new IngestQueue(Options);
            Places.Add("torget");
            Places.Add("parken");
            Ingest = new SignalIngest(Places, Queue, Stats, Options, new DeviceIds(), new FakeTimeProvider(Now), NullLogger<SignalIngest>.Instance);
        }

        public IngestOptions Options { get; }

        public PlaceDirectory Places { get; } = new();

        public IngestQueue Queue { get; }

        public IngestStats Stats { get; } = new();

        /// <summary>Ingest's instruments over this rig's stats and queue, on a meter factory of their own.</summary>
        public IngestMetrics Metrics => _metrics ??= new IngestMetrics(
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), Stats, Queue);

        private IngestMetrics? _metrics;

        public SignalIngest Ingest { get; }

        public ValueTask<RejectReason> Publish(string place, string device, string json) =>
            Ingest.AcceptAsync(device, Topic.Signals(place, device), new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), CancellationToken.None, out _);

        public IngestEnvelope Read()
        {
            Assert.True(Queue.TryRead(out var envelope));
            return envelope;
        }
    }

    internal static string Message(params (string Kind, double Value)[] signals)
    {
        var parts = new string[signals.Length];
        for (var i = 0; i < signals.Length; i++)
        {
            parts[i] = string.Create(CultureInfo.InvariantCulture, $$"""{"kind":"{{signals[i].Kind}}","value":{{signals[i].Value}}}""");
        }

        return $$"""{"ts":{{Now.ToUnixTimeMilliseconds() - 1000}},"signals":[{{string.Join(',', parts)}}]}""";
    }

    [Fact]
    public async Task AcceptedMessageIsQueuedWithItsSignalsInline()
    {
        var rig = new Rig();

        Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", Message(("people", 12), ("motion", 0.5))));

        var envelope = rig.Read();
        Assert.Equal("torget", envelope.PlaceId);
        Assert.Equal("cam-1", envelope.DeviceId);
        Assert.Equal(Now.ToUnixTimeMilliseconds() - 1000, envelope.Timestamp);
        Assert.False(envelope.IsRented);
        Assert.False(envelope.HasEvent);
        Assert.Equal([new Signal(SignalKind.People, 12), new Signal(SignalKind.Motion, 0.5)], envelope.Signals.ToArray());
        Assert.Equal(1, rig.Stats.Accepted);
    }

    [Fact]
    public async Task DeviceIdIsOneStringForEveryMessageOfTheDevice()
    {
        var rig = new Rig();

        await rig.Publish("torget", "cam-1", Message(("people", 1)));
        await rig.Publish("torget", "cam-1", Message(("people", 2)));

        Assert.Same(rig.Read().DeviceId, rig.Read().DeviceId);
    }

    [Fact]
    public async Task MessageLargerThanTheInlineRoomRentsAnArrayThatTheBatcherReturns()
    {
        var rig = new Rig();
        var signals = new (string, double)[20];
        for (var i = 0; i < signals.Length; i++)
        {
            signals[i] = ("sound", 40 + i);
        }

        await rig.Publish("torget", "mic-1", Message(signals));
        var envelope = rig.Read();
        Assert.True(envelope.IsRented);
        Assert.Equal(20, envelope.Signals.Length);

        var batcher = new PlaceBatcher();
        batcher.Add(ref envelope);
        Assert.False(envelope.IsRented);

        var batch = Assert.Single(batcher.Pending).Take();
        Assert.Equal(20, batch.Samples.Length);
        Assert.Equal(59, batch.Samples[19].Value);
        Assert.All(batch.Samples, s => Assert.Equal("mic-1", s.DeviceId));
    }

    [Fact]
    public async Task BatcherGroupsARoundByPlaceInArrivalOrderAndReusesItsBatches()
    {
        var rig = new Rig();
        await rig.Publish("torget", "cam-1", Message(("people", 1)));
        await rig.Publish("parken", "cam-9", Message(("people", 7)));
        await rig.Publish("torget", "cam-2", Message(("people", 2), ("loiter", 1)));
        var batcher = new PlaceBatcher();

        for (var i = 0; i < 3; i++)
        {
            var envelope = rig.Read();
            batcher.Add(ref envelope);
        }

        Assert.Equal(["torget", "parken"], batcher.Pending.Select(b => b.PlaceId));
        var torget = batcher.Pending[0];
        var samples = torget.Take().Samples;
        Assert.Equal([("cam-1", 1.0), ("cam-2", 2.0), ("cam-2", 1.0)], samples.Select(s => (s.DeviceId, s.Value)));
        Assert.Equal(SignalKind.Loiter, samples[2].Kind);
        batcher.Pending[1].Take();
        batcher.EndRound(maxPlaces: 100);
        Assert.Empty(batcher.Pending);

        await rig.Publish("torget", "cam-1", Message(("people", 3)));
        var next = rig.Read();
        batcher.Add(ref next);
        Assert.Same(torget, Assert.Single(batcher.Pending));
    }

    [Fact]
    public async Task BatcherSelectsPlacesWithAnEventOrPastTheirHoldAndKeepsTheRestWaitingInOrder()
    {
        var rig = new Rig();
        rig.Places.Add("hamnen");
        var batcher = new PlaceBatcher();
        async Task Gather(string place, string json, long at)
        {
            await rig.Publish(place, "cam-1", json);
            var envelope = rig.Read();
            batcher.Add(ref envelope, at);
        }

        await Gather("torget", Message(("people", 1)), at: 100);
        await Gather("parken", Message(("people", 7)), at: 200);
        await Gather("hamnen", Message(("people", 5)), at: 300);
        await Gather("hamnen", Message(("impulse", 1)), at: 400);
        var due = new List<PlaceBatch>();

        // torget's reading is past its hold, hamnen has an event; parken's reading is younger and waits.
        batcher.SelectDue(gatheredBy: 150, due);
        Assert.Equal(["hamnen", "torget"], due.Select(b => b.PlaceId));
        Assert.Equal([SignalKind.People, SignalKind.Impulse], due[0].Take().Samples.Select(s => s.Kind));
        due[1].Take();
        batcher.EndRound(maxPlaces: 100);
        Assert.Equal(["parken"], batcher.Pending.Select(b => b.PlaceId));
        Assert.Equal(200, batcher.OldestSince);

        // A batch grown to the most a place holds goes too, however young.
        var eight = Message(("sound", 40), ("sound", 41), ("sound", 42), ("sound", 43), ("sound", 44), ("sound", 45), ("sound", 46), ("sound", 47));
        for (var i = 0; i < PlaceBatcher.MaxHeldSamples / 8; i++)
        {
            await Gather("torget", eight, at: 500);
        }

        due.Clear();
        batcher.SelectDue(gatheredBy: 150, due);
        Assert.Equal(PlaceBatcher.MaxHeldSamples, Assert.Single(due).Take().Samples.Length);
        batcher.EndRound(maxPlaces: 100);
        Assert.Equal(["parken"], batcher.Pending.Select(b => b.PlaceId));
    }

    [Fact]
    public async Task FullQueueDropsPeriodicOnlyMessagesAndCountsThem()
    {
        var rig = new Rig(capacity: 1);
        await rig.Publish("torget", "cam-1", Message(("people", 1)));

        Assert.Equal(RejectReason.Overload, await rig.Publish("torget", "cam-1", Message(("people", 2), ("motion", 0.1))));

        Assert.Equal(1, rig.Stats.Accepted);
        Assert.Equal(1, rig.Stats.Rejected(RejectReason.Overload));
    }

    [Fact]
    public async Task EventMessageTakesThePriorityLaneAndIsReadBeforeTheBacklog()
    {
        var rig = new Rig(capacity: 1);
        await rig.Publish("torget", "cam-1", Message(("people", 1)));

        Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", Message(("people", 2), ("impulse", 1))));

        var first = rig.Read();
        Assert.True(first.HasEvent);
        Assert.Equal(2, first.Signals[0].Value);
        Assert.Equal(1, rig.Read().Signals[0].Value);
        Assert.Equal(2, rig.Stats.Accepted);
    }

    [Fact]
    public async Task FullPriorityLaneHoldsAnEventMessageUntilThereIsRoom()
    {
        var rig = new Rig(priorityCapacity: 1);
        await rig.Publish("torget", "cam-1", Message(("impulse", 1)));

        var pending = rig.Publish("torget", "cam-1", Message(("fire", 0.9)));
        Assert.False(pending.IsCompleted);

        Assert.Equal(SignalKind.Impulse, rig.Read().Signals[0].Kind);
        Assert.Equal(RejectReason.None, await pending.AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(SignalKind.Fire, rig.Read().Signals[0].Kind);
        Assert.Equal(2, rig.Stats.Accepted);
        Assert.Equal(0, rig.Stats.Rejected(RejectReason.Overload));
    }

    [Fact]
    public void NothingIsAllocatedPerMessageOnceDeviceAndPlaceAreKnown()
    {
        var rig = new Rig();
        var topic = Topic.Signals("torget", "cam-1");
        var payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(Message(("people", 12), ("motion", 0.5))));
        var batcher = new PlaceBatcher();

        void Gather(int messages)
        {
            for (var i = 0; i < messages; i++)
            {
                var accepting = rig.Ingest.AcceptAsync("cam-1", topic, payload, CancellationToken.None, out _);
                Assert.True(accepting.IsCompletedSuccessfully);
                Assert.True(rig.Queue.TryRead(out var envelope));
                batcher.Add(ref envelope);
            }
        }

        // The first round meets the device and the place and grows the place's buffer; later rounds reuse both.
        Gather(200);
        Assert.Equal(400, batcher.Pending[0].Take().Samples.Length);
        batcher.EndRound(100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Gather(200);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        // What a round does allocate: one batch per place for its grain call.
        Assert.Equal(400, batcher.Pending[0].Take().Samples.Length);
    }
}
