using Microsoft.Extensions.DependencyInjection;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The state of the place catalogue.</summary>
[GenerateSerializer, Alias("pax.CatalogState")]
public sealed class CatalogState
{
    /// <summary>Places by id.</summary>
    [Id(0)]
    public Dictionary<string, PlaceDefinition> Places { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The one list of places. A change is stored, handed to the place's grain and announced to every host (whose ingest
/// accepts signals only for places in the catalogue).
/// </summary>
public sealed class CatalogGrain(
    [PersistentState(CatalogGrain.StateName, PaxStorage.Name)] IPersistentState<CatalogState> state,
    [FromKeyedServices(PaxClock.Key)] TimeProvider clock) : Grain, ICatalogGrain
{
    /// <summary>The state name: one per grain class, because stored rows are keyed by grain id and state name.</summary>
    public const string StateName = "catalog";

    /// <inheritdoc />
    public ValueTask<PlaceDefinition[]> GetAll() => ValueTask.FromResult(state.State.Places.Values.ToArray());

    /// <inheritdoc />
    public ValueTask<PlaceDefinition?> Find(string placeId) =>
        ValueTask.FromResult(state.State.Places.GetValueOrDefault(placeId));

    /// <inheritdoc />
    public async ValueTask<bool> Upsert(PlaceDefinition definition)
    {
        var created = !state.State.Places.TryGetValue(definition.Id, out var existing);
        definition = definition with { CreatedAt = existing is null ? clock.GetUtcNow() : existing.CreatedAt };
        state.State.Places[definition.Id] = definition;
        await state.WriteStateAsync();
        await Announce(definition);
        return created;
    }

    /// <inheritdoc />
    public async ValueTask<int> AddMissing(PlaceDefinition[] definitions)
    {
        var added = new List<PlaceDefinition>();
        var now = clock.GetUtcNow();
        foreach (var given in definitions)
        {
            var definition = given with { CreatedAt = now };
            if (state.State.Places.TryAdd(definition.Id, definition))
            {
                added.Add(definition);
            }
        }

        if (added.Count > 0)
        {
            await state.WriteStateAsync();

            // A place that was not in the catalogue has no grain to configure: its grain reads the definition when it
            // first activates. Configuring each here activated every seeded place at start (100,000 activations, each
            // asking this grain for its definition while this turn held it) and the start timed out. The hosts still
            // hear of every new place, in concurrent slices rather than one awaited call after another.
            const int Slice = 1024;
            var notifier = GrainFactory.GetGrain<ILiveNotifierGrain>(0);
            var calls = new List<Task>(Math.Min(Slice, added.Count));
            foreach (var definition in added)
            {
                calls.Add(notifier.PlaceDefined(definition).AsTask());
                if (calls.Count == Slice)
                {
                    await Task.WhenAll(calls);
                    calls.Clear();
                }
            }

            await Task.WhenAll(calls);
        }

        return added.Count;
    }

    private async Task Announce(PlaceDefinition definition)
    {
        // Not awaited: the place's grain may be activating and asking us for its definition right now.
        GrainFactory.GetGrain<IPlaceGrain>(definition.Id).Configure(definition).Ignore();
        await GrainFactory.GetGrain<ILiveNotifierGrain>(0).PlaceDefined(definition);
    }
}
