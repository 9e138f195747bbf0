using System.Threading.Tasks.Sources;

// The tests hand the round its value tasks in lists, as the dispatcher does; the round reads each exactly once.
#pragma warning disable CA2012

namespace Pax.Live.Server.Ingest.Tests;

/// <summary>
/// A round of grain calls watched as one task, against calls answered the way Orleans answers them: through a value-task
/// source that may be read only once.
/// </summary>
public sealed class IngestRoundTests
{
    [Fact]
    public async Task RoundEndsWhenItsLastCallReturnsReadsEachCallOnceAndCountsItsSignalsApplied()
    {
        var rig = new IngestTests.Rig();
        var calls = new[] { new SourcedCall(), new SourcedCall(), new SourcedCall() };
        calls[0].Answer();

        var round = IngestRound.Watch([calls[0].Call(), calls[1].Call(), ValueTask.CompletedTask, calls[2].Call()], signals: 7, new CallWatchers(), rig.Metrics);
        Assert.False(round.IsCompleted);
        calls[2].Answer();
        Assert.False(round.IsCompleted);
        Assert.Equal(0, rig.Metrics.SignalsApplied);
        calls[1].Answer();

        await round.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(calls, c => Assert.Equal(1, c.Reads));
        Assert.Equal(7, rig.Metrics.SignalsApplied);
    }

    [Fact]
    public async Task RoundWithAFailedCallFailsWithItOnceTheOthersReturnAndCountsNothingApplied()
    {
        var rig = new IngestTests.Rig();
        var failing = new SourcedCall();
        var slow = new SourcedCall();

        var round = IngestRound.Watch([failing.Call(), slow.Call()], signals: 2, new CallWatchers(), rig.Metrics);
        failing.Answer(new TimeoutException("the place's node is gone"));
        Assert.False(round.IsCompleted);
        slow.Answer();

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => round.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("the place's node is gone", failure.Message);
        Assert.Equal(1, failing.Reads);
        Assert.Equal(0, rig.Metrics.SignalsApplied);
    }

    [Fact]
    public async Task WatchingMoreCallsAllocatesNothingMoreOnceTheWatchersAreWarm()
    {
        var rig = new IngestTests.Rig();
        var watchers = new CallWatchers();

        async Task<long> Round(int size)
        {
            var calls = new SourcedCall[size];
            var pending = new List<ValueTask>(size);
            for (var i = 0; i < size; i++)
            {
                calls[i] = new SourcedCall();
                pending.Add(calls[i].Call());
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            var round = IngestRound.Watch(pending, size, watchers, rig.Metrics);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            foreach (var call in calls)
            {
                call.Answer();
            }

            await round.WaitAsync(TimeSpan.FromSeconds(10));
            return allocated;
        }

        await Round(200);

        // The round itself costs the same whatever its size: nothing per call.
        Assert.Equal(await Round(10), await Round(200));
    }

    /// <summary>A pending call answered through a value-task source, as Orleans does, counting how often it is read.</summary>
    private sealed class SourcedCall : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core;
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public ValueTask Call() => new(this, _core.Version);

        public void Answer(Exception? failure = null)
        {
            if (failure is null)
            {
                _core.SetResult(true);
            }
            else
            {
                _core.SetException(failure);
            }
        }

        public void GetResult(short token)
        {
            Interlocked.Increment(ref _reads);
            _core.GetResult(token);
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
