using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Ingest.Tests;

/// <summary>The dispatcher between the ingest queue and the place grains, against places whose calls the test holds.</summary>
public sealed class DispatcherTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AtTheRoundLimitAnEventGoesOutWithoutWaitingForTheOldestRound()
    {
        var options = new IngestOptions { MaxRoundsInFlight = 1 };
        var queue = new IngestQueue(options);
        var places = new PlaceDirectory();
        places.Add("torget");
        places.Add("parken");
        var ingest = new SignalIngest(places, queue, new IngestStats(), options, new DeviceIds(), new FakeTimeProvider(Now), NullLogger<SignalIngest>.Instance);
        var grains = Places.Create();
        var held = new TaskCompletionSource();
        grains.Hold("torget", held.Task);
        var dispatcher = new IngestDispatcher(queue, (IGrainFactory)grains, places, options, NullLogger<IngestDispatcher>.Instance);
        await dispatcher.StartAsync(CancellationToken.None);
        try
        {
            // Round 1 is torget's and does not come back; round 2 (parken's readings) puts the dispatcher at its limit.
            await Publish(ingest, "torget", ("people", 1));
            await grains.Received("torget", SignalKind.People);
            await Publish(ingest, "parken", ("people", 2));
            await grains.Received("parken", SignalKind.People);

            await Publish(ingest, "parken", ("impulse", 1));

            await grains.Received("parken", SignalKind.Impulse);
            Assert.False(held.Task.IsCompleted);
        }
        finally
        {
            held.SetResult();
            queue.Complete();
            await dispatcher.StopAsync(CancellationToken.None);
        }
    }

    private static async Task Publish(SignalIngest ingest, string place, params (string Kind, double Value)[] signals)
    {
        var parts = signals.Select(s => string.Create(CultureInfo.InvariantCulture, $$"""{"kind":"{{s.Kind}}","value":{{s.Value}}}"""));
        var json = $$"""{"ts":{{Now.ToUnixTimeMilliseconds() - 1000}},"signals":[{{string.Join(',', parts)}}]}""";
        Assert.Equal(RejectReason.None, await ingest.AcceptAsync("cam-1", Topic.Signals(place, "cam-1"), new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), CancellationToken.None));
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
