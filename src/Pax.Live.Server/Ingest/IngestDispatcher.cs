using System.Diagnostics;
using Pax.Live.Abstractions;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// The last step of ingest, and the one reader of the <see cref="IngestQueue"/>: drains it in rounds, priority lane
/// first, into per-place batches (<see cref="PlaceBatcher"/>). A place's periodic readings wait there until its oldest
/// is <see cref="IngestOptions.PeriodicHold"/> old (or its batch is full), then go in one grain call: one call per
/// place per hold rather than per message, each place on its own clock so the calls are spread. An event (the priority
/// lane) goes in the round that gathers it, taking its place's waiting readings along in order. While places hold,
/// the periodic lane is read every <see cref="IngestOptions.FlushInterval"/>, not per message. With no hold, a round
/// (up to <see cref="IngestOptions.MaxBatchMessages"/>, for at most the flush interval) sends all it gathered. Up to
/// <see cref="IngestOptions.MaxRoundsInFlight"/> rounds are in flight while the next gathers; a round with an event
/// may go over that limit, so an alert never waits for a round of readings to come back. Stopping sends what is
/// queued and held.
/// <para>
/// A signals message costs no allocation of its own. Per place call there is the batch sent (one array: see
/// <see cref="PlaceBatch.Take()"/> for why it is not reused) and what Orleans allocates for the call; a pending call is
/// watched by a pooled watcher, not turned into a task (<see cref="IngestRound"/>). A batch with an event also has the
/// closure that would retry it and the task that watches for its failure (with the write-ahead log, for a batch of
/// logged messages, the task that sees them stored instead). Per round, one task for all its calls; with a hold, the
/// timer the dispatcher sleeps on. A device status, rare, is a call of its own, with its closure.
/// </para>
/// </summary>
public sealed partial class IngestDispatcher(
    IngestQueue queue,
    IGrainFactory grains,
    PlaceDirectory places,
    IngestOptions options,
    IngestMetrics metrics,
    ILogger<IngestDispatcher> logger,
    IngestLog? log = null,
    IngestLogOptions? logOptions = null) : BackgroundService
{
    private readonly PlaceBatcher _batcher = new();
    private readonly List<ValueTask> _calls = [];
    private readonly CallWatchers _watchers = new();
    private readonly Queue<Task> _rounds = new();
    private readonly List<PlaceBatch> _due = [];
    private readonly TimeSpan _confirmEvery = (logOptions ?? new IngestLogOptions()).ConfirmEvery;
    private CancellationToken _stopping;
    private long _holdTicks;
    private long _gatherEvery;
    private long _gatheredAt = long.MinValue / 2;

    // The waits on the queue's lanes: a wait left pending on a lane is kept and reused by the next round, so waits never
    // pile up on a lane that stays empty; a lane whose wait answered false is completed and drained.
    private Task<bool>? _priorityWait;
    private Task<bool>? _periodicWait;
    private bool _priorityDone;
    private bool _periodicDone;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var flushTicks = Ticks(options.FlushInterval);
        _holdTicks = Ticks(options.PeriodicHold);
        _gatherEvery = Math.Max(flushTicks, Ticks(TimeSpan.FromMilliseconds(1)));
        _stopping = stoppingToken;
        if (log is not null)
        {
            // What an earlier run acknowledged and may not have stored goes in first, beside whatever arrives now.
            _ = ReplayAsync(log, stoppingToken);
        }

        try
        {
            while (await WaitForWork(stoppingToken))
            {
                var gathered = 0;
                var urgent = false;
                var now = Stopwatch.GetTimestamp();
                _gatheredAt = now;
                var deadline = now + flushTicks;
                while (gathered < options.MaxBatchMessages)
                {
                    if (queue.TryRead(out var envelope))
                    {
                        gathered++;
                        urgent |= envelope.HasEvent;
                        await Gather(envelope, now);
                        if ((gathered & 255) == 0 && Stopwatch.GetTimestamp() >= deadline)
                        {
                            break;
                        }

                        continue;
                    }

                    // The queue ran dry. Places that hold their readings grow their batches by waiting: nothing to wait
                    // for here.
                    if (_holdTicks > 0)
                    {
                        break;
                    }

                    // Without a hold, with a round still in flight, gather on until it returns or the flush interval
                    // ends: batches grow with load (one call per place per round trip) and when it is quiet, with
                    // nothing in flight, the round goes out at once.
                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    // An event in the round sends it at once: alerts do not wait for batches to fill.
                    if (urgent || _rounds.Count == 0 || _rounds.Peek().IsCompleted || left <= TimeSpan.Zero)
                    {
                        break;
                    }

                    await Task.WhenAny(_rounds.Peek(), Task.Delay(left, stoppingToken), WhenPriority(stoppingToken));
                }

                await DispatchRound(_holdTicks == 0 ? long.MaxValue : Stopwatch.GetTimestamp() - _holdTicks, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await SendEverything();
    }

    /// <summary>
    /// At the end (the queue completed, or the host stopping): what is still queued, and every place's held readings,
    /// go out now, and the calls in flight are waited for. A hold must not cost the readings it was keeping.
    /// </summary>
    private async Task SendEverything()
    {
        try
        {
            var now = Stopwatch.GetTimestamp();
            while (queue.TryRead(out var envelope))
            {
                await Gather(envelope, now);
            }

            await DispatchRound(long.MaxValue, CancellationToken.None, throttle: false);
        }
        catch (Exception ex)
        {
            LogRoundFailed(logger, ex);
        }

        while (_rounds.Count > 0)
        {
            await Complete(_rounds.Dequeue());
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>
    /// Waits until there is a round to make; false when both lanes are completed and empty. Without a hold, that is
    /// whenever a message waits. With one: at once for an event; for periodic readings, a flush interval after the last
    /// gathering (they wait in the queue meanwhile, so the dispatcher wakes a hundred times a second, not once per
    /// message); and when the longest-held place's readings are due.
    /// </summary>
    private async ValueTask<bool> WaitForWork(CancellationToken cancellationToken)
    {
        if (_holdTicks == 0)
        {
            return await WaitForMessages(cancellationToken);
        }

        while (true)
        {
            if (queue.HasPriority)
            {
                return true;
            }

            var periodic = queue.HasPeriodic;
            var oldest = _batcher.OldestSince;
            if (!periodic && oldest is null)
            {
                // Nothing queued, nothing held: idle until a message comes.
                if (!await WaitForMessages(cancellationToken))
                {
                    return false;
                }

                continue;
            }

            if (_priorityDone && _periodicDone && !queue.HasAny)
            {
                return false;
            }

            var now = Stopwatch.GetTimestamp();
            var due = oldest is { } since ? since + _holdTicks : long.MaxValue;
            var wake = periodic ? Math.Min(due, _gatheredAt + _gatherEvery) : due;
            if (wake <= now)
            {
                return true;
            }

            // Sleep until then. An event wakes the dispatcher at once; and while places hold readings and the periodic lane
            // is empty, so does a periodic message, so its place's clock starts within a flush interval of its coming, not
            // when some other place is due.
            var delay = Task.Delay(Stopwatch.GetElapsedTime(now, wake), cancellationToken);
            var priority = _priorityDone ? null : WhenPriority(cancellationToken);
            _periodicWait ??= periodic || _periodicDone ? null : queue.Reader.WaitToReadAsync(cancellationToken).AsTask();
            await Task.WhenAny(delay, priority ?? delay, _periodicWait ?? delay);
            cancellationToken.ThrowIfCancellationRequested();
            await NoteEndedLanes();
        }
    }

    /// <summary>Waits until either lane has a message; false when both are completed and empty.</summary>
    private async ValueTask<bool> WaitForMessages(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (queue.HasAny)
            {
                return true;
            }

            if (_priorityDone && _periodicDone)
            {
                return false;
            }

            // Idle: a task per wait is fine here; the busy path above allocates nothing.
            var priority = _priorityDone ? null : WhenPriority(cancellationToken);
            _periodicWait ??= _periodicDone ? null : queue.Reader.WaitToReadAsync(cancellationToken).AsTask();
            if (priority is not null && _periodicWait is not null)
            {
                await Task.WhenAny(priority, _periodicWait);
            }
            else
            {
                await (priority ?? _periodicWait!);
            }

            await NoteEndedLanes();
        }
    }

    /// <summary>Takes in the lanes' waits that have answered: one that answered false is a lane completed and empty.</summary>
    private async ValueTask NoteEndedLanes()
    {
        if (_priorityWait is { IsCompleted: true } p)
        {
            _priorityWait = null;
            _priorityDone = !await p;
        }

        if (_periodicWait is { IsCompleted: true } q)
        {
            _periodicWait = null;
            _periodicDone = !await q;
        }
    }

    /// <summary>Completes when the priority lane has a message (or ends); the same task until it does.</summary>
    private Task<bool> WhenPriority(CancellationToken cancellationToken)
    {
        // A wait that saw a message which has since been read is spent: wait again.
        if (_priorityWait is { IsCompletedSuccessfully: true, Result: true } && !queue.HasPriority)
        {
            _priorityWait = null;
        }

        return _priorityWait ??= queue.PriorityReader.WaitToReadAsync(cancellationToken).AsTask();
    }

    private ValueTask Gather(IngestEnvelope envelope, long now)
    {
        if (envelope.NewPlace && !places.TryGet(envelope.PlaceId, out _))
        {
            // Only reachable with AcceptNewPlaces: put the new place into the catalogue before its first message.
            return GatherNewPlace(envelope, now);
        }

        if (envelope.IsStatus)
        {
            var (placeId, deviceId, online) = (envelope.PlaceId, envelope.DeviceId, envelope.Online);
            Send(Delivered(grains.GetGrain<IPlaceGrain>(placeId).DeviceStatusChanged(deviceId, online), placeId,
                () => grains.GetGrain<IPlaceGrain>(placeId).DeviceStatusChanged(deviceId, online)));
            return ValueTask.CompletedTask;
        }

        _batcher.Add(ref envelope, now);
        return ValueTask.CompletedTask;
    }

    private async ValueTask GatherNewPlace(IngestEnvelope envelope, long now)
    {
        var definition = new PlaceDefinition(envelope.PlaceId, envelope.PlaceId, "unknown", 0, 0, PlaceThresholds.None);
        await grains.GetGrain<ICatalogGrain>(0).AddMissing([definition]);
        places.Add(envelope.PlaceId);
        envelope.NewPlace = false;
        await Gather(envelope, now);
    }

    /// <summary>
    /// Sends the batches due: the urgent and full ones, and those whose oldest reading was gathered by
    /// <paramref name="gatheredBy"/>. Then, with <paramref name="throttle"/>, holds the dispatcher while too many rounds
    /// are in flight.
    /// </summary>
    private async ValueTask DispatchRound(long gatheredBy, CancellationToken stoppingToken, bool throttle = true)
    {
        var sent = 0;
        _batcher.SelectDue(gatheredBy, _due);
        foreach (var batch in _due)
        {
            var grain = batch.Grain ??= grains.GetGrain<IPlaceGrain>(batch.PlaceId);
            var hasEvent = batch.Urgent;
            var signals = batch.Take(out var logged);
            sent += signals.Samples.Length;
            metrics.Ingested(signals.Samples);
            Send(logged is null
                ? Delivered(grain.Ingest(signals), batch.PlaceId, hasEvent ? IngestAgain(grain, signals) : null)
                : new ValueTask(Durable(grain, batch.PlaceId, signals, logged)));
        }

        _due.Clear();
        _batcher.EndRound(4 * options.MaxBatchMessages);
        if (_calls.Count == 0)
        {
            return;
        }

        _rounds.Enqueue(IngestRound.Watch(_calls, sent, _watchers, metrics));
        _calls.Clear();
        if (!throttle)
        {
            return;
        }

        var limit = Math.Max(1, options.MaxRoundsInFlight);
        while (_rounds.TryPeek(out var oldest) && (oldest.IsCompleted || _rounds.Count > limit))
        {
            if (!oldest.IsCompleted && _rounds.Count <= 2 * limit)
            {
                // At the limit, an event does not wait for the oldest round of readings to come back: it goes out in a
                // round of its own, over the limit (up to twice it; events are few, each device's are rate-limited).
                if (queue.HasPriority)
                {
                    return;
                }

                var priority = WhenPriority(stoppingToken);
                if (!priority.IsCompleted)
                {
                    await Task.WhenAny(oldest, priority);
                    continue;
                }
            }

            await Complete(_rounds.Dequeue());
        }
    }

    /// <summary>A call of the round being made: <see cref="IngestRound.Watch"/> consumes each exactly once.</summary>
    private void Send(ValueTask call) => _calls.Add(call);

    // Its own method: a lambda in the loop above would capture the loop's locals, and the compiler would make their
    // closure for every place in every round, with an event or not.
    private static Func<ValueTask> IngestAgain(IPlaceGrain grain, SignalBatch signals) => () => grain.Ingest(signals);

    /// <summary>
    /// A call of this round. If it fails and <paramref name="again"/> is given (the batch holds an event, or it is a
    /// device's status), it is tried again apart from the rounds, with growing pauses, until it lands: a place whose
    /// node just died is back on another node within seconds, and its alert must not be lost meanwhile. Periodic
    /// readings are not worth holding up for: their failure is logged with the round's.
    /// </summary>
    private ValueTask Delivered(ValueTask call, string placeId, Func<ValueTask>? again)
    {
        if (again is null)
        {
            // The round consumes it, pending or not.
            return call;
        }

        if (call.IsCompletedSuccessfully)
        {
            call.GetAwaiter().GetResult();
            return ValueTask.CompletedTask;
        }

        return new ValueTask(RetryOnFailure(call, placeId, again));
    }

    private async Task RetryOnFailure(ValueTask call, string placeId, Func<ValueTask> again)
    {
        try
        {
            await call;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRetrying(logger, ex, placeId);
            _ = Retry(placeId, again);
        }
    }

    private async Task Retry(string placeId, Func<ValueTask> again)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        var giveUp = Stopwatch.GetTimestamp() + (long)(options.EventRetryFor.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            try
            {
                await Task.Delay(pause, PlacesMoved.Next);
            }
            catch (OperationCanceledException)
            {
                // A node was declared dead: its places are back elsewhere, try now.
            }

            try
            {
                await again();
                LogRetried(logger, placeId);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (Stopwatch.GetTimestamp() > giveUp)
                {
                    LogLost(logger, ex, placeId);
                    return;
                }

                // At most half a second apart: the place is back as soon as its node is declared dead, and its alert
                // must not wait for a long pause to run out (events are few; this costs nothing).
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            }
        }
    }

    private async Task ReplayAsync(IngestLog ingestLog, CancellationToken stoppingToken)
    {
        try
        {
            await ingestLog.Replay(queue, places, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReplayFailed(logger, ex, ingestLog.Directory);
        }
    }

    /// <summary>
    /// A batch holding logged alert-grade messages: their log records are released once the place says everything
    /// they changed is stored. Until then (the database is away, the place's node died) the dispatcher keeps asking,
    /// apart from the rounds, and delivers the batch again if the place that took it is gone.
    /// </summary>
    private Task Durable(IPlaceGrain grain, string placeId, SignalBatch signals, List<IngestLogSegment> logged) =>
        FirstAnswer(grain.IngestDurably(signals), grain, placeId, signals, logged);

    private async Task FirstAnswer(ValueTask<long> call, IPlaceGrain grain, string placeId, SignalBatch signals, List<IngestLogSegment> logged)
    {
        long token;
        try
        {
            token = await call;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRetrying(logger, ex, placeId);
            token = -1;
        }

        if (token == 0)
        {
            Release(logged);
            return;
        }

        _ = UntilStored(grain, placeId, signals, logged, token);
    }

    private async Task UntilStored(IPlaceGrain grain, string placeId, SignalBatch signals, List<IngestLogSegment> logged, long token)
    {
        var pause = _confirmEvery;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(pause, _stopping);
                token = token == -1 ? await grain.IngestDurably(signals) : await grain.AlertsStored(token);
                if (token == 0)
                {
                    Release(logged);
                    LogStoredLate(logger, placeId);
                    return;
                }

                pause = _confirmEvery;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                // Kept in the log: replayed at the next start.
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (token == -1)
                {
                    LogRetrying(logger, ex, placeId);
                }

                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static void Release(List<IngestLogSegment> logged)
    {
        foreach (var segment in logged)
        {
            segment.Release();
        }
    }

    private async ValueTask Complete(Task round)
    {
        try
        {
            await round;
        }
        catch (Exception ex)
        {
            LogRoundFailed(logger, ex);
        }
    }

    [LoggerMessage(LogLevel.Warning, "Events for {PlaceId} could not be delivered; retrying until they are")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string placeId);

    [LoggerMessage(LogLevel.Information, "Events for {PlaceId} delivered after retrying")]
    private static partial void LogRetried(ILogger logger, string placeId);

    [LoggerMessage(LogLevel.Error, "Events for {PlaceId} could not be delivered and were given up")]
    private static partial void LogLost(ILogger logger, Exception exception, string placeId);

    [LoggerMessage(LogLevel.Error, "Could not replay the ingest log {Directory}; its records stay for the next start")]
    private static partial void LogReplayFailed(ILogger logger, Exception exception, string directory);

    [LoggerMessage(LogLevel.Information, "Alerts for {PlaceId} stored after waiting for storage; their log records are released")]
    private static partial void LogStoredLate(ILogger logger, string placeId);

    [LoggerMessage(LogLevel.Error, "An ingest round of grain calls had failures")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
