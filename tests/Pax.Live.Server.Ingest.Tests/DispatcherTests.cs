using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Ingest.Tests;

/// <summary>The dispatcher between the ingest queue and the place grains, against places whose calls the test holds.</summary>
public sealed class DispatcherTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    public async Task AtTheRoundLimitAnEventGoesOutWithoutWaitingForTheOldestRound(int holdMs)
    {
        var rig = new IngestTests.Rig();
        rig.Options.PeriodicHold = TimeSpan.FromMilliseconds(holdMs);
        rig.Options.MaxRoundsInFlight = 1;
        var grains = Places.Create();
        var held = new TaskCompletionSource();
        grains.Hold("torget", held.Task);
        var dispatcher = new IngestDispatcher(rig.Queue, (IGrainFactory)grains, rig.Places, rig.Options, rig.Metrics, NullLogger<IngestDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            // Round 1 is torget's and does not come back; round 2 (parken's readings) puts the dispatcher at its limit.
            Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", IngestTests.Message(("people", 1))));
            await grains.Received("torget", SignalKind.People);
            Assert.Equal(RejectReason.None, await rig.Publish("parken", "cam-1", IngestTests.Message(("people", 2))));
            await grains.Received("parken", SignalKind.People);

            Assert.Equal(RejectReason.None, await rig.Publish("parken", "cam-1", IngestTests.Message(("impulse", 1))));

            await grains.Received("parken", SignalKind.Impulse);
            Assert.False(held.Task.IsCompleted);
        }
        finally
        {
            held.SetResult();
            rig.Queue.Complete();
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(250)]
    public async Task DispatcherWakesForEitherLaneAndEndsWhenBothAreComplete(int holdMs)
    {
        var rig = new IngestTests.Rig();
        rig.Options.PeriodicHold = TimeSpan.FromMilliseconds(holdMs);
        var grains = Places.Create();
        await Dispatching(rig, grains, async dispatcher =>
        {
            // Each message finds the dispatcher idle, waiting on both lanes: readings, an event, readings again.
            Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", IngestTests.Message(("people", 0))));
            await grains.Received("torget", SignalKind.People);
            Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", IngestTests.Message(("impulse", 1))));
            await grains.Received("torget", SignalKind.Impulse);
            Assert.Equal(RejectReason.None, await rig.Publish("parken", "cam-1", IngestTests.Message(("people", 2))));
            await grains.Received("parken", SignalKind.People);

            rig.Queue.Complete();
            await dispatcher.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
        });
    }

    [Fact]
    public async Task SignalsCountAsAppliedOnlyWhenTheirPlacesCallHasReturned()
    {
        var rig = new IngestTests.Rig();
        var grains = Places.Create();
        var held = new TaskCompletionSource();
        grains.Hold("torget", held.Task);
        var dispatcher = new IngestDispatcher(rig.Queue, (IGrainFactory)grains, rig.Places, rig.Options, rig.Metrics, NullLogger<IngestDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            Assert.Equal(RejectReason.None, await rig.Publish("parken", "cam-1", IngestTests.Message(("people", 2), ("motion", 0.5))));
            await Until(() => rig.Metrics.SignalsApplied == 2, "parken's two signals were not counted as applied");

            // torget has its batch but has not answered: handed over is not applied.
            Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", IngestTests.Message(("people", 1))));
            await grains.Received("torget", SignalKind.People);
            Assert.Equal(2, rig.Metrics.SignalsApplied);

            held.SetResult();
            await Until(() => rig.Metrics.SignalsApplied == 3, "torget's signal was not counted once its call returned");
        }
        finally
        {
            held.TrySetResult();
            rig.Queue.Complete();
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    private static async Task Until(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task PeriodicReadingWaitsOutTheHoldAndThenReachesItsPlace()
    {
        var hold = TimeSpan.FromMilliseconds(300);
        var rig = new IngestTests.Rig();
        rig.Options.PeriodicHold = hold;
        var grains = Places.Create();
        await Dispatching(rig, grains, async dispatcher =>
        {
            var published = Stopwatch.GetTimestamp();
            Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", IngestTests.Message(("people", 4))));

            await grains.Received("torget", SignalKind.People);

            // Not before the hold (nothing is sent early that need not be), and not much after it (the slack is the
            // dispatcher's flush interval; the bound here is generous so a busy machine does not fail it).
            var call = Assert.Single(grains.Calls("torget"));
            Assert.InRange(Stopwatch.GetElapsedTime(published, call.At), hold, hold + TimeSpan.FromSeconds(5));
        });
    }

    [Fact]
    public async Task ReadingsForOnePlaceWithinTheHoldGoInOneGrainCall()
    {
        var rig = new IngestTests.Rig();
        rig.Options.PeriodicHold = TimeSpan.FromSeconds(1.5);
        var grains = Places.Create();
        await Dispatching(rig, grains, async dispatcher =>
        {
            // Spaced out, so that without the hold the idle dispatcher would send each as a call of its own.
            for (var i = 1; i <= 5; i++)
            {
                Assert.Equal(RejectReason.None, await rig.Publish("torget", $"cam-{i}", IngestTests.Message(("people", i))));
                Assert.Equal(RejectReason.None, await rig.Publish("parken", "cam-9", IngestTests.Message(("motion", i / 10.0))));
                await Task.Delay(40);
            }

            await grains.Received("torget", SignalKind.People, count: 5);
            await grains.Received("parken", SignalKind.Motion, count: 5);

            var torget = Assert.Single(grains.Calls("torget"));
            Assert.Equal([("cam-1", 1.0), ("cam-2", 2.0), ("cam-3", 3.0), ("cam-4", 4.0), ("cam-5", 5.0)], torget.Samples.Select(s => (s.DeviceId, s.Value)));
            Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5], Assert.Single(grains.Calls("parken")).Samples.Select(s => s.Value));
        });
    }

    [Fact]
    public async Task EventGoesAtOnceAndTakesItsPlacesWaitingReadingsAlongInOrder()
    {
        var rig = new IngestTests.Rig();
        rig.Options.PeriodicHold = TimeSpan.FromMinutes(1);
        var grains = Places.Create();
        await Dispatching(rig, grains, async dispatcher =>
        {
            await rig.Publish("torget", "cam-1", IngestTests.Message(("people", 1)));
            await rig.Publish("torget", "cam-2", IngestTests.Message(("people", 2)));
            await rig.Publish("parken", "cam-9", IngestTests.Message(("people", 7)));
            await rig.Publish("torget", "cam-1", IngestTests.Message(("motion", 0.5)));
            await Drained(rig.Queue);

            Assert.Equal(RejectReason.None, await rig.Publish("torget", "cam-1", IngestTests.Message(("impulse", 1))));

            // Well inside the minute the readings would otherwise wait.
            await grains.Received("torget", SignalKind.Impulse);
            var call = Assert.Single(grains.Calls("torget"));
            Assert.Equal(
                [("cam-1", SignalKind.People, 1.0), ("cam-2", SignalKind.People, 2.0), ("cam-1", SignalKind.Motion, 0.5), ("cam-1", SignalKind.Impulse, 1.0)],
                call.Samples.Select(s => (s.DeviceId, s.Kind, s.Value)));
            Assert.Empty(grains.Calls("parken"));
        });
    }

    [Fact]
    public async Task StoppingSendsTheReadingsThatPlacesHold()
    {
        var rig = new IngestTests.Rig();
        rig.Options.PeriodicHold = TimeSpan.FromMinutes(1);
        var grains = Places.Create();
        var dispatcher = new IngestDispatcher(rig.Queue, (IGrainFactory)grains, rig.Places, rig.Options, rig.Metrics, NullLogger<IngestDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        await rig.Publish("torget", "cam-1", IngestTests.Message(("people", 3)));
        await Drained(rig.Queue);
        await rig.Publish("parken", "cam-9", IngestTests.Message(("people", 8)));

        // The host stopping, not the queue ending: the held reading and the one still queued both go out.
        await dispatcher.StopAsync(CancellationToken.None);

        Assert.Equal(3, Assert.Single(Assert.Single(grains.Calls("torget")).Samples).Value);
        Assert.Equal(8, Assert.Single(Assert.Single(grains.Calls("parken")).Samples).Value);
    }

    /// <summary>Until the dispatcher has read every queued message (and so gathered it: it gathers what it reads before reading on).</summary>
    private static async Task Drained(IngestQueue queue)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (queue.HasAny)
        {
            Assert.True(DateTime.UtcNow < deadline, "the dispatcher did not read the queue");
            await Task.Delay(10);
        }
    }

    /// <summary>A grain factory whose place grains record what they are sent and answer when the test lets them.</summary>
    /// <summary>Runs <paramref name="test"/> with a dispatcher started on <paramref name="rig"/>'s queue, and stops it after.</summary>
    private static async Task Dispatching(IngestTests.Rig rig, Places grains, Func<IngestDispatcher, Task> test)
    {
        var dispatcher = new IngestDispatcher(rig.Queue, (IGrainFactory)grains, rig.Places, rig.Options, rig.Metrics, NullLogger<IngestDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            await test(dispatcher);
        }
        finally
        {
            rig.Queue.Complete();
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    public class Places : DispatchProxy
    {
        private readonly ConcurrentDictionary<string, Task> _holds = new();
        private readonly ConcurrentQueue<(string Place, SignalKind Kind)> _received = new();
        private readonly ConcurrentQueue<(string Place, IngestCall Call)> _calls = new();

        public static Places Create()
        {
            var factory = DispatchProxy.Create<IGrainFactory, Places>();
            return (Places)(object)factory;
        }

        public void Hold(string place, Task until) => _holds[place] = until;

        /// <summary>The place's <c>Ingest</c> calls so far, in the order they were made.</summary>
        public List<IngestCall> Calls(string place)
        {
            var calls = new List<IngestCall>();
            foreach (var (to, call) in _calls)
            {
                if (to == place)
                {
                    calls.Add(call);
                }
            }

            return calls;
        }

        public async Task Received(string place, SignalKind kind, int count = 1)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (_received.Count(r => r == (place, kind)) < count)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{place} did not receive {kind}");
                await Task.Delay(10);
            }
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Assert.Equal(nameof(IGrainFactory.GetGrain), targetMethod!.Name);
            var grain = DispatchProxy.Create<IPlaceGrain, Place>();
            ((Place)(object)grain).Bind(this, (string)args![0]!);
            return grain;
        }

        internal ValueTask Ingest(string place, SignalBatch batch)
        {
            _calls.Enqueue((place, new IngestCall(batch.Samples, Stopwatch.GetTimestamp())));
            foreach (var sample in batch.Samples)
            {
                _received.Enqueue((place, sample.Kind));
            }

            return _holds.TryGetValue(place, out var hold) ? new ValueTask(hold) : ValueTask.CompletedTask;
        }
    }

    /// <summary>One <c>Ingest</c> call: what it carried and when it was made (a <see cref="Stopwatch"/> timestamp).</summary>
    public sealed record IngestCall(SignalSample[] Samples, long At);

    /// <summary>One place grain of <see cref="Places"/>: only <c>Ingest</c> is called by the dispatcher.</summary>
    public class Place : DispatchProxy
    {
        private Places? _owner;
        private string _id = "";

        internal void Bind(Places owner, string id) => (_owner, _id) = (owner, id);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Assert.Equal(nameof(IPlaceGrain.Ingest), targetMethod!.Name);
            // DispatchProxy hands the call's ValueTask back boxed; the dispatcher consumes it once.
#pragma warning disable CA2012
            return _owner!.Ingest(_id, (SignalBatch)args![0]!);
#pragma warning restore CA2012
        }
    }
}
