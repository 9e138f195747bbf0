using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

/// <summary>
/// A new alert is stored before it is announced, unless ingest's write-ahead log keeps the reading that raised it:
/// then it is announced first and stored right after, and the place tells ingest to keep the reading until it is.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AlertStoreOrderTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task AnAlertFromIngestsLogIsAnnouncedAndItsReadingKeptUntilTheAlertIsStored()
    {
        var id = await fixture.NewPlace();
        var place = fixture.Grains.GetGrain<IPlaceGrain>(id);

        // The turn that raised it does not wait for the store: ingest hears to ask again.
        var token = await place.IngestDurably(Impulse());
        Assert.NotEqual(0, token);
        var raised = await fixture.Events.WaitFor<AlertFeedEntry>(e => e.Position.Audience == Audiences.ControlRoom && e.Raised?.PlaceId == id);

        var deadline = DateTime.UtcNow + Patience;
        var answer = token;
        while (answer != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            answer = await place.AlertsStored(token);
        }

        Assert.Equal(0, answer);
        Assert.Equal(raised.Raised!.AlertId, (await StoredAlert(raised.Raised.AlertId))?.AlertId);

        // A token of another activation: what it took may be lost, and ingest delivers it again.
        Assert.Equal(-1, await place.AlertsStored(token == long.MaxValue - 1 ? 1 : token + 1));
    }

    [Fact]
    public async Task AnAlertFromAPlainBatchIsStoredBeforeTheBatchIsTaken()
    {
        var id = await fixture.NewPlace();

        await fixture.Grains.GetGrain<IPlaceGrain>(id).Ingest(Impulse());

        var open = Assert.Single((await fixture.Grains.GetGrain<IPlaceGrain>(id).GetStatus()).OpenAlerts);
        Assert.Equal(AlertState.Raised, (await StoredAlert(open.AlertId))?.State);
    }

    private SignalBatch Impulse() => new([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]);

    private async Task<AlertView?> StoredAlert(string alertId)
    {
        var silo = fixture.Cluster.GetActiveSilos().First();
        var storage = fixture.Cluster.GetSiloServiceProvider(silo.SiloAddress).GetRequiredKeyedService<IGrainStorage>(PaxStorage.Name);
        var stored = new GrainState<AlertGrainState>();
        await storage.ReadStateAsync(AlertGrain.StateName, GrainId.Create("alert", alertId), stored);
        return stored.State?.View;
    }
}
