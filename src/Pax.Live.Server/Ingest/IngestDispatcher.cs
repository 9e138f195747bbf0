using Pax.Live.Abstractions;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// Drains the ingest queue in rounds: everything waiting (up to <see cref="IngestOptions.MaxBatchMessages"/>) is grouped
/// by place and each place gets one grain call per round. While a round is in flight the next one gathers, so batches
/// grow with load and latency stays at one round trip when it is quiet.
/// </summary>
public sealed partial class IngestDispatcher(
    IngestQueue queue,
    IGrainFactory grains,
    PlaceDirectory places,
    IngestOptions options,
    ILogger<IngestDispatcher> logger) : BackgroundService
{
    private readonly Dictionary<string, List<SignalSample>> _byPlace = new(StringComparer.Ordinal);
    private readonly List<Task> _calls = [];

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                var gathered = 0;
                while (gathered < options.MaxBatchMessages && reader.TryRead(out var envelope))
                {
                    gathered++;
                    await Gather(envelope);
                }

                await DispatchRound();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async ValueTask Gather(IngestEnvelope envelope)
    {
        if (!places.TryGet(envelope.PlaceId, out _))
        {
            // Only reachable with AcceptNewPlaces: put the new place into the catalogue before its first message.
            await AddPlace(envelope.PlaceId);
        }

        if (envelope.Samples is null)
        {
            _calls.Add(grains.GetGrain<IPlaceGrain>(envelope.PlaceId).DeviceStatusChanged(envelope.DeviceId, envelope.Online).AsTask());
            return;
        }

        if (!_byPlace.TryGetValue(envelope.PlaceId, out var samples))
        {
            samples = [];
            _byPlace[envelope.PlaceId] = samples;
        }

        samples.AddRange(envelope.Samples);
    }

    private async Task AddPlace(string placeId)
    {
        var definition = new PlaceDefinition(placeId, placeId, "unknown", 0, 0, PlaceThresholds.None);
        await grains.GetGrain<ICatalogGrain>(0).AddMissing([definition]);
        places.Add(placeId);
    }

    private async Task DispatchRound()
    {
        foreach (var (placeId, samples) in _byPlace)
        {
            if (samples.Count > 0)
            {
                _calls.Add(grains.GetGrain<IPlaceGrain>(placeId).Ingest(new SignalBatch([.. samples])).AsTask());
                samples.Clear();
            }
        }

        if (_byPlace.Count > 4 * options.MaxBatchMessages)
        {
            // Keep the reusable lists bounded when the set of active places churns.
            _byPlace.Clear();
        }

        try
        {
            await Task.WhenAll(_calls);
        }
        catch (Exception ex)
        {
            LogRoundFailed(logger, ex, _calls.Count);
        }
        finally
        {
            _calls.Clear();
        }
    }

    [LoggerMessage(LogLevel.Error, "An ingest round of {Calls} grain calls had failures")]
    private static partial void LogRoundFailed(ILogger logger, Exception exception, int calls);
}
