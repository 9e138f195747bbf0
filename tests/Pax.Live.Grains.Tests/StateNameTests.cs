using System.Reflection;

namespace Pax.Live.Grains.Tests;

public sealed class StateNameTests
{
    /// <summary>
    /// Stored rows are keyed by grain id and state name, not by grain type: two grain classes sharing a state name
    /// under the same key (catalog 0 and a place "0", say) would read each other's state.
    /// </summary>
    [Fact]
    public void EveryGrainClassHasItsOwnStateName()
    {
        var names = typeof(PlaceGrain).Assembly.GetTypes()
            .Where(t => typeof(Grain).IsAssignableFrom(t))
            .SelectMany(t => t.GetConstructors().SelectMany(c => c.GetParameters()))
            .Select(p => p.GetCustomAttribute<PersistentStateAttribute>())
            .OfType<PersistentStateAttribute>()
            .Select(a => a.StateName)
            .ToList();

        Assert.Contains(PlaceGrain.StateName, names);
        Assert.Contains(CatalogGrain.StateName, names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }
}
