using System.Diagnostics;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// The grain calls of one dispatcher round as one task: it completes when the last call returns (faulted with the
/// first failure), records the round's time from going out and, if none failed, counts its signals as applied. A pending call is watched by a pooled
/// <see cref="CallWatcher"/> rather than turned into a task: Orleans answers a call through a pooled value-task source,
/// so <c>AsTask</c> (and <c>Task.WhenAll</c> over them) would allocate per call what this allocates per round.
/// </summary>
internal sealed class IngestRound
{
    private readonly TaskCompletionSource _returned = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IngestMetrics _metrics;
    private readonly long _sentAt;
    private readonly int _signals;

    // One for each call watched, and one for the dispatcher until it has handed them all over.
    private int _left = 1;
    private Exception? _failure;

    private IngestRound(IngestMetrics metrics, long sentAt, int signals) => (_metrics, _sentAt, _signals) = (metrics, sentAt, signals);

    /// <summary>
    /// Watches the round's <paramref name="calls"/> (carrying <paramref name="signals"/> signals), consuming each once;
    /// the task of the round (completed when none is pending).
    /// </summary>
    public static Task Watch(List<ValueTask> calls, int signals, CallWatchers watchers, IngestMetrics metrics)
    {
        var sentAt = Stopwatch.GetTimestamp();
        IngestRound? round = null;
        Exception? failure = null;
        foreach (var call in calls)
        {
            if (call.IsCompleted)
            {
                failure ??= Result(call);
                continue;
            }

            round ??= new IngestRound(metrics, sentAt, signals);
            Interlocked.Increment(ref round._left);
            watchers.Rent().Watch(call, round);
        }

        if (round is null)
        {
            metrics.RoundReturned(0);
            if (failure is not null)
            {
                return Task.FromException(failure);
            }

            metrics.Applied(signals);
            return Task.CompletedTask;
        }

        round.Returned(failure);
        return round._returned.Task;
    }

    /// <summary>Consumes a completed call (a value task is read once): its failure, or null.</summary>
    internal static Exception? Result(in ValueTask call)
    {
        try
        {
            call.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    /// <summary>One call of the round returned (or the dispatcher has handed over the last).</summary>
    internal void Returned(Exception? failure)
    {
        if (failure is not null)
        {
            Interlocked.CompareExchange(ref _failure, failure, null);
        }

        if (Interlocked.Decrement(ref _left) != 0)
        {
            return;
        }

        _metrics.RoundReturned(Stopwatch.GetElapsedTime(_sentAt).TotalSeconds);
        if (Volatile.Read(ref _failure) is { } first)
        {
            _returned.SetException(first);
        }
        else
        {
            _metrics.Applied(_signals);
            _returned.SetResult();
        }
    }
}

/// <summary>Watchers of pending grain calls, kept for reuse: nothing is allocated per call once the pool is warm.</summary>
internal sealed class CallWatchers
{
    private const int MaxKept = 4096;

    private readonly Stack<CallWatcher> _free = new();

    /// <summary>A watcher from the pool, or a new one.</summary>
    public CallWatcher Rent()
    {
        lock (_free)
        {
            if (_free.TryPop(out var watcher))
            {
                return watcher;
            }
        }

        return new CallWatcher(this);
    }

    /// <summary>Back to the pool (called from whichever thread completed the call).</summary>
    public void Return(CallWatcher watcher)
    {
        lock (_free)
        {
            if (_free.Count < MaxKept)
            {
                _free.Push(watcher);
            }
        }
    }
}

/// <summary>Waits for one pending call and tells its round; its continuation is its own cached delegate, so it captures nothing.</summary>
internal sealed class CallWatcher
{
    private readonly CallWatchers _pool;
    private readonly Action _completed;
    private ValueTask _call;
    private IngestRound? _round;

    /// <summary>A watcher that returns itself to <paramref name="pool"/>.</summary>
    public CallWatcher(CallWatchers pool)
    {
        _pool = pool;
        _completed = Completed;
    }

    /// <summary>Starts watching <paramref name="call"/> for <paramref name="round"/>.</summary>
    public void Watch(ValueTask call, IngestRound round)
    {
        _call = call;
        _round = round;
        call.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(_completed);
    }

    private void Completed()
    {
        var call = _call;
        var round = _round!;
        _call = default;
        _round = null;
        var failure = IngestRound.Result(call);
        _pool.Return(this);
        round.Returned(failure);
    }
}
