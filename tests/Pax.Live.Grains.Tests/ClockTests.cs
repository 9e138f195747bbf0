using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

/// <summary>Levels that move with time alone. These tests move the shared clock, so they run in their own collection's order.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClockTests(ClusterFixture fixture)
{
    [Fact]
    public async Task SilentPlaceTurnsUnknownAndAnAlertClosesAfterItsHold()
    {
        var id = await fixture.NewPlace();
        var place = fixture.Grains.GetGrain<IPlaceGrain>(id);
        await place.Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);

        await fixture.Advance(TimeSpan.FromMinutes(3));

        // The place's one-second tick notices the silence and the expired hold without any new signal.
        await fixture.Events.WaitFor<PlaceStatusChanged>(s => s.PlaceId == id && s.Level == Level.Unknown);
        var status = await place.GetStatus();
        Assert.Equal(Level.Unknown, status.Level);
        Assert.Empty(status.OpenAlerts);
    }
}
