using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The state of an area's site plan.</summary>
[GenerateSerializer, Alias("pax.SitePlanState")]
public sealed class SitePlanState
{
    /// <summary>The plan; null when there is none (also after a delete, so that a sample plan is not seeded again).</summary>
    [Id(0)]
    public SitePlan? Plan { get; set; }
}

/// <summary>An area's site plan, in the same storage as the catalogue.</summary>
public sealed class SitePlanGrain(
    [PersistentState(SitePlanGrain.StateName, PaxStorage.Name)] IPersistentState<SitePlanState> state) : Grain, ISitePlanGrain
{
    /// <summary>The state name: one per grain class, because stored rows are keyed by grain id and state name.</summary>
    public const string StateName = "siteplan";

    /// <inheritdoc />
    public ValueTask<SitePlan?> GetPlan() => ValueTask.FromResult(state.State.Plan);

    /// <inheritdoc />
    public ValueTask<SitePlan?> GetSummary() => ValueTask.FromResult(state.State.Plan?.WithoutImage());

    /// <inheritdoc />
    public async ValueTask Put(SitePlan plan)
    {
        state.State.Plan = plan;
        await state.WriteStateAsync();
    }

    /// <inheritdoc />
    public async ValueTask<bool> Delete()
    {
        if (state.State.Plan is null)
        {
            return false;
        }

        state.State.Plan = null;
        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<bool> SeedIfNew(SitePlan plan)
    {
        if (state.RecordExists)
        {
            return false;
        }

        await Put(plan);
        return true;
    }
}
