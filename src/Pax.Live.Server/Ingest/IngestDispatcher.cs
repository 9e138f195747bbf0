using System.Diagnostics;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// Drains the ingest queue in rounds, priority lane first: what is waiting (up to <see cref="IngestOptions.MaxBatchMessages"/>,
/// for at most <see cref="IngestOptions.FlushInterval"/>) is grouped by place and each place gets one grain call per round. Up to
/// <see cref="IngestOptions.MaxRoundsInFlight"/> rounds are in flight while the next gathers, so batches grow with load
/// and latency stays at one round trip when it is quiet. Nothing is allocated per message.
/// </summary>
public sealed partial class IngestDispatcher(
    IngestQueue queue,
    IGrainFactory grains,
    PlaceDirectory places,
    IngestOptions options,
    ILogger<IngestDispatcher> logger) : BackgroundService
{
    private readonly PlaceBatcher _batcher = new();
    private readonly List<Task> _calls = [];
    private readonly Queue<Task> _rounds = new();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var flushTicks = (long)(options.FlushInterval.TotalSeconds * Stopwatch.Frequency);
        try
        {
            while (await queue.WaitToReadAsync(stoppingToken))
            {
                var gathered = 0;
                var urgent = false;
                var deadline = Stopwatch.GetTimestamp() + flushTicks;
                while (gathered < options.MaxBatchMessages)
                {
                    if (queue.TryRead(out var envelope))
                    {
                        gathered++;
                        urgent |= envelope.HasEvent;
                        await Gather(envelope);
                        if ((gathered & 255) == 0 && Stopwatch.GetTimestamp() >= deadline)
                        {
                            break;
                        }

                        continue;
                    }

                    // The queue ran dry. With a round still in flight, gather on until it returns or the flush interval
                    // ends: batches grow with load (one call per place per round trip) and when it is quiet, with
                    // nothing in flight, the round goes out at once.
                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    // An event in the round sends it at once: alerts do not wait for batches to fill.
                    if (urgent || _rounds.Count == 0 || _rounds.Peek().IsCompleted || left <= TimeSpan.Zero)
                    {
                        break;
                    }

                    await Task.WhenAny(_rounds.Peek(), Task.Delay(left, stoppingToken), queue.WhenPriority(stoppingToken));
                }

                await DispatchRound();
            }

            while (_rounds.Count > 0)
            {
                await Complete(_rounds.Dequeue());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private ValueTask Gather(IngestEnvelope envelope)
    {
        if (envelope.NewPlace && !places.TryGet(envelope.PlaceId, out _))
        {
            // Only reachable with AcceptNewPlaces: put the new place into the catalogue before its first message.
            return GatherNewPlace(envelope);
        }

        if (envelope.IsStatus)
        {
            _calls.Add(grains.GetGrain<IPlaceGrain>(envelope.PlaceId).DeviceStatusChanged(envelope.DeviceId, envelope.Online).AsTask());
            return ValueTask.CompletedTask;
        }

        _batcher.Add(ref envelope);
        return ValueTask.CompletedTask;
    }

    private async ValueTask GatherNewPlace(IngestEnvelope envelope)
    {
        var definition = new PlaceDefinition(envelope.PlaceId, envelope.PlaceId, "unknown", 0, 0, PlaceThresholds.None);
        await grains.GetGrain<ICatalogGrain>(0).AddMissing([definition]);
        places.Add(envelope.PlaceId);
        envelope.NewPlace = false;
        await Gather(envelope);
    }

    private async ValueTask DispatchRound()
    {
        foreach (var batch in _batcher.Pending)
        {
            var grain = batch.Target as IPlaceGrain ?? grains.GetGrain<IPlaceGrain>(batch.PlaceId);
            batch.Target = grain;
            _calls.Add(grain.Ingest(batch.Take()).AsTask());
        }

        _batcher.EndRound(4 * options.MaxBatchMessages);
        if (_calls.Count == 0)
        {
            return;
        }

        var round = _calls.Count == 1 ? _calls[0] : Task.WhenAll(_calls);
        _calls.Clear();
        _rounds.Enqueue(round);
        while (_rounds.Count > Math.Max(1, options.MaxRoundsInFlight) || (_rounds.TryPeek(out var oldest) && oldest.IsCompleted))
        {
            await Complete(_rounds.Dequeue());
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

    [LoggerMessage(LogLevel.Error, "An ingest round of grain calls had failures")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception);
}
