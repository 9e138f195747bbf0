using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

/// <summary>Each audience numbers its own alert events; a client that comes back gets exactly what it missed, or the open alerts afresh.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AlertFeedTests(ClusterFixture fixture)
{
    private static AlertView View(string id, string area, AlertState state = AlertState.Raised) => new(
        id, "feed-place", SignalKind.Impulse, 3, state, ClusterFixture.Start, ClusterFixture.Start, 1, "s",
        CauseCleared: false, Guard: null, Outcome: null, Note: null, Area: area);

    [Fact]
    public async Task AnAreaAlertIsNumberedInTheControlRoomsFeedAndInItsAreasEach()
    {
        var id = await fixture.NewPlace(area: "feed-" + Guid.NewGuid().ToString("N")[..6]);
        var area = (await fixture.Grains.GetGrain<ICatalogGrain>(0).Find(id))!.Area!;

        await fixture.Grains.GetGrain<IPlaceGrain>(id).Ingest(new([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));

        var inArea = await fixture.Events.WaitFor<AlertFeedEntry>(e => e.Position.Audience == Audiences.Area(area));
        var inControl = await fixture.Events.WaitFor<AlertFeedEntry>(e => e.Position.Audience == Audiences.ControlRoom && e.Raised?.PlaceId == id);
        Assert.Equal(1, inArea.Position.Seq);
        Assert.Equal(inArea.Raised!.AlertId, inControl.Raised!.AlertId);

        var page = await fixture.Grains.GetGrain<IAlertFeedGrain>(Audiences.Area(area)).Since(inArea.Position.Epoch, 0);
        Assert.False(page.Reset);
        Assert.Equal(inArea, Assert.Single(page.Entries));
    }

    [Fact]
    public async Task AClientFromAnotherEpochOrTooFarBehindGetsTheOpenAlertsInsteadOfAGap()
    {
        var area = "far-" + Guid.NewGuid().ToString("N")[..6];
        var feed = fixture.Grains.GetGrain<IAlertFeedGrain>(Audiences.Area(area));
        var first = await feed.Publish(View("far-1", area), raised: false);
        await feed.Publish(View("far-2", area), raised: false);
        await feed.Publish(View("far-2", area, AlertState.Resolved), raised: false);

        var caughtUp = await feed.Since(first.Epoch, first.Seq);
        Assert.False(caughtUp.Reset);
        Assert.Equal([2L, 3L], caughtUp.Entries.Select(e => e.Position.Seq));

        var stranger = await feed.Since(first.Epoch + 1, first.Seq);
        Assert.True(stranger.Reset);
        Assert.Empty(stranger.Entries);
        Assert.Equal("far-1", Assert.Single(stranger.Open).AlertId);
        Assert.Equal(3, stranger.Seq);

        for (var i = 0; i < AlertFeedGrain.Kept; i++)
        {
            await feed.Publish(View("far-1", area, AlertState.Acknowledged), raised: false);
        }

        var behind = await feed.Since(first.Epoch, first.Seq);
        Assert.True(behind.Reset);
        Assert.Equal(AlertState.Acknowledged, Assert.Single(behind.Open).State);
        var justInTime = await feed.Since(first.Epoch, 3);
        Assert.False(justInTime.Reset);
        Assert.Equal(AlertFeedGrain.Kept, justInTime.Entries.Length);
    }
}
