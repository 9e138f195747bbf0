using Pax.Live.Contracts;

using Pax.Live.Aggregation;

namespace Pax.Live.Grains.Tests;

/// <summary>
/// An alert's id comes from the reading that raised it: a reading the broker delivers again after a node died raises
/// the same alert, not a second one (a CI run once saw 13 alerts for 12 places in <c>ExternalBrokerTests</c>).
/// </summary>
public sealed class AlertIdTests
{
    private const long At = 1_796_256_000_123;

    [Fact]
    public void TheSameReadingGivesTheSameId()
    {
        Assert.Equal(AlertIds.For("stortorget", "cam-1", SignalKind.Impulse, At), AlertIds.For("stortorget", "cam-1", SignalKind.Impulse, At));
    }

    [Fact]
    public void AnotherPlaceDeviceKindOrMomentGivesAnotherId()
    {
        string[] ids =
        [
            AlertIds.For("stortorget", "cam-1", SignalKind.Impulse, At),
            AlertIds.For("järntorget", "cam-1", SignalKind.Impulse, At),
            AlertIds.For("stortorget", "cam-2", SignalKind.Impulse, At),
            AlertIds.For("stortorget", "cam-1", SignalKind.Fire, At),
            AlertIds.For("stortorget", "cam-1", SignalKind.Impulse, At + 1),
        ];

        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void IdsAreVersion7UuidsInTheOrderOfTheirReadings()
    {
        var id = AlertIds.For("stortorget", "cam-1", SignalKind.Impulse, At);
        var later = AlertIds.For("stortorget", "cam-9", SignalKind.Fire, At + 1);

        var uuid = Guid.Parse(id);
        Assert.Equal(7, uuid.Version);
        Assert.Equal(id, uuid.ToString("N"));
        Assert.Equal(At, Convert.ToInt64(id[..12], 16));
        Assert.True(string.CompareOrdinal(id, later) < 0);
    }
}
