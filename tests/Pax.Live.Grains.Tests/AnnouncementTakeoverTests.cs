using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

/// <summary>
/// A place activation can end between storing a new alert and announcing it: its node dies while the feed's node is
/// dead too, or Orleans retires it as a duplicate after a death (the directory entry died with a node and a survivor
/// activated the place again). The activation that takes over must announce what the old one had not, and only that.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AnnouncementTakeoverTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AnAlertStoredButNotYetAnnouncedIsAnnouncedByTheActivationThatTakesOverThePlace()
    {
        // What the old activation left: the alert in its snapshot, its delivery still pending (the feed's node had
        // died). The alert grain may or may not have stored it; the feeds have not numbered it.
        // A place no activation holds now (a deactivation is not awaited to its end, and its own save could overwrite
        // this snapshot): the snapshot is all there is of it.
        var id = "takeover-" + Guid.NewGuid().ToString("N")[..6];
        var alertId = AlertIds.For(id, "cam-1", SignalKind.Fire, fixture.NowMs);
        var alert = new OpenAlert(alertId, SignalKind.Fire, 4, ClusterFixture.Start, ClusterFixture.Start, 1, "Possible fire", 0.95);
        var place = fixture.Grains.GetGrain<IPlaceGrain>(id);
        await WriteSnapshot(id, new PlaceState { OpenAlerts = [alert], Unannounced = [alertId] });

        // Anything that touches the place (the cluster's recovery wakes every place) activates it.
        await place.GetStatus();

        var raised = await fixture.Events.WaitFor<AlertFeedEntry>(e => e.Position.Audience == Audiences.ControlRoom && e.Raised?.AlertId == alertId);
        Assert.Equal(id, raised.Raised!.PlaceId);
        // Open: the snapshot holds no cause for it, so the place's first tick may already have marked its cause cleared.
        Assert.NotEqual(AlertState.Resolved, (await fixture.Grains.GetGrain<IAlertGrain>(alertId).GetView())!.State);

        // A feed that started afresh after the death lists it as well, whoever asks.
        var page = await fixture.Grains.GetGrain<IAlertFeedGrain>(Audiences.ControlRoom).Since(0, 0);
        Assert.Contains(page.Open, a => a.AlertId == alertId);
    }

    [Fact]
    public async Task AnAnnouncedAlertIsNotAnnouncedAgainWhenThePlaceComesBack()
    {
        var id = await fixture.NewPlace(area: "back-" + Guid.NewGuid().ToString("N")[..6]);
        var place = fixture.Grains.GetGrain<IPlaceGrain>(id);
        await place.Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        var first = await fixture.Events.WaitFor<AlertFeedEntry>(e => e.Position.Audience == Audiences.ControlRoom && e.Raised?.PlaceId == id);

        // The place goes (stored on the way out) and comes back.
        await fixture.Cluster.DeactivateAsync(place);
        await place.GetStatus();

        // A later alert elsewhere shows the feed has moved on; the place's alert was numbered once.
        var other = await fixture.NewPlace();
        await fixture.Grains.GetGrain<IPlaceGrain>(other).Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        await fixture.Events.WaitFor<AlertFeedEntry>(e => e.Position.Audience == Audiences.ControlRoom && e.Raised?.PlaceId == other);
        Assert.Single(fixture.Events.Of<AlertFeedEntry>(), e => e.Position.Audience == Audiences.ControlRoom && e.Raised?.AlertId == first.Raised!.AlertId);
    }

    private async Task WriteSnapshot(string placeId, PlaceState snapshot)
    {
        var silo = fixture.Cluster.GetActiveSilos().First();
        var storage = fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredKeyedService<IGrainStorage>(PaxStorage.Name);
        var grainId = GrainId.Create("place", placeId);
        var stored = new GrainState<PlaceState>();
        await storage.ReadStateAsync(PlaceGrain.StateName, grainId, stored);
        stored.State = snapshot;
        await storage.WriteStateAsync(PlaceGrain.StateName, grainId, stored);
    }
}
