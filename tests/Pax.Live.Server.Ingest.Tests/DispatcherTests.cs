using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Ingest.Tests;

/// <summary>The dispatcher between the ingest queue and the place grains, against places whose calls the test holds.</summary>
public sealed class DispatcherTests
{
    [Fact]
    public async Task AtTheRoundLimitAnEventGoesOutWithoutWaitingForTheOldestRound()
    {
        var rig = new IngestTests.Rig();
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

    [Fact]
    public async Task DispatcherWakesForEitherLaneAndEndsWhenBothAreComplete()
    {
        var rig = new IngestTests.Rig();
        var grains = Places.Create();
        var dispatcher = new IngestDispatcher(rig.Queue, (IGrainFactory)grains, rig.Places, rig.Options, rig.Metrics, NullLogger<IngestDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
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
        }
        finally
        {
            rig.Queue.Complete();
            await dispatcher.StopAsync(CancellationToken.None);
        }
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

    /// <summary>A grain factory whose place grains record what they are sent and answer when the test lets them.</summary>
    public class Places : DispatchProxy
    {
        private readonly ConcurrentDictionary<string, Task> _holds = new();
        private readonly ConcurrentQueue<(string Place, SignalKind Kind)> _received = new();

        public static Places Create()
        {
            var factory = DispatchProxy.Create<IGrainFactory, Places>();
            return (Places)(object)factory;
        }

        public void Hold(string place, Task until) => _holds[place] = until;

        public async Task Received(string place, SignalKind kind)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (!_received.Contains((place, kind)))
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
            foreach (var sample in batch.Samples)
            {
                _received.Enqueue((place, sample.Kind));
            }

            return _holds.TryGetValue(place, out var hold) ? new ValueTask(hold) : ValueTask.CompletedTask;
        }
    }

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
