using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class PlaceGrainTests(ClusterFixture fixture)
{
    private IPlaceGrain Place(string id) => fixture.Grains.GetGrain<IPlaceGrain>(id);

    private SignalBatch Batch(params (SignalKind Kind, double Value)[] signals) =>
        new([.. signals.Select(s => new SignalSample("cam-1", s.Kind, s.Value, fixture.NowMs))]);

    [Fact]
    public async Task ImpulseRaisesAnAlertThatReachesTheHosts()
    {
        var id = await fixture.NewPlace();

        await Place(id).Ingest(Batch((SignalKind.Impulse, 1), (SignalKind.People, 3)));

        var alert = await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);
        Assert.Equal(SignalKind.Impulse, alert.Kind);
        Assert.Equal(3, alert.Severity);
        Assert.Contains("Test " + id, alert.Summary, StringComparison.Ordinal);
        var status = await fixture.Events.WaitFor<PlaceStatusChanged>(s => s.PlaceId == id && s.Level == Level.Alert);
        Assert.Equal(3, status.Values["people"]);

        var snapshot = await Place(id).GetStatus();
        Assert.Equal(Level.Alert, snapshot.Level);
        var open = Assert.Single(snapshot.OpenAlerts);
        Assert.Equal(alert.AlertId, open.AlertId);
        Assert.Equal("cam-1", Assert.Single(snapshot.Devices).DeviceId);
    }

    [Fact]
    public async Task TheSameCauseRacedFromManyDevicesYieldsOneAlert()
    {
        var id = await fixture.NewPlace();
        var now = fixture.NowMs;

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            Place(id).Ingest(new SignalBatch([new SignalSample($"cam-{i}", SignalKind.Impulse, 1, now)])).AsTask()));

        var snapshot = await Place(id).GetStatus();
        var open = Assert.Single(snapshot.OpenAlerts);
        Assert.Equal(40, open.Count);
        var alert = await fixture.Grains.GetGrain<IAlertGrain>(open.AlertId).GetView();
        Assert.Equal(40, alert!.Count);
        Assert.Equal(AlertState.Raised, alert.State);
        Assert.Equal(40, snapshot.Devices.Length);
        await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);
        // Give any stray second alert time to arrive before counting.
        await Task.Delay(500);
        Assert.Single(fixture.Events.Of<AlertRaised>(), a => a.PlaceId == id);
    }

    [Fact]
    public async Task AReadingThatComesAgainAfterItsAlertWasResolvedRaisesNothing()
    {
        var id = await fixture.NewPlace();
        var reading = new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]);
        await Place(id).Ingest(reading);
        var raised = await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);
        var alert = fixture.Grains.GetGrain<IAlertGrain>(raised.AlertId);
        var operatorOlle = new Actor("olle", Role.Operator, []);
        await alert.Acknowledge(operatorOlle);
        await alert.Resolve(operatorOlle, AlertOutcome.FalseAlarm, "Fyrverkerier");

        // The alert grain tells its place without waiting for it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await Place(id).GetStatus()).OpenAlerts.Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Empty((await Place(id).GetStatus()).OpenAlerts);

        // The same reading again, as a device resending it or a broker redelivering it would: the cause still holds.
        await Place(id).Ingest(reading);

        Assert.Empty((await Place(id).GetStatus()).OpenAlerts);
        await Task.Delay(500);
        Assert.Single(fixture.Events.Of<AlertRaised>(), a => a.PlaceId == id);

        // A new reading of the same cause is a new alert.
        fixture.Clock.Advance(TimeSpan.FromSeconds(1));
        await Place(id).Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        var again = await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id && a.AlertId != raised.AlertId);
        Assert.Equal(again.AlertId, Assert.Single((await Place(id).GetStatus()).OpenAlerts).AlertId);
    }

    [Fact]
    public async Task StatusChangesAreCoalescedPerPlace()
    {
        var id = await fixture.NewPlace();

        for (var i = 1; i <= 50; i++)
        {
            await Place(id).Ingest(Batch((SignalKind.People, i)));
        }

        await fixture.Events.WaitFor<PlaceStatusChanged>(s => s.PlaceId == id && s.Values.GetValueOrDefault("people") == 50);
        var pushed = fixture.Events.Of<PlaceStatusChanged>().Count(s => s.PlaceId == id);
        Assert.InRange(pushed, 1, 25);
    }

    [Fact]
    public async Task ThresholdFromTheCatalogueElevatesAfterDwell()
    {
        var id = await fixture.NewPlace(new PlaceThresholds(null, 40, null, null, DwellSeconds: 0));

        await Place(id).Ingest(Batch((SignalKind.People, 10)));
        Assert.Equal(Level.Calm, (await Place(id).GetStatus()).Level);

        await Place(id).Ingest(Batch((SignalKind.People, 55)));
        Assert.Equal(Level.Elevated, (await Place(id).GetStatus()).Level);
        await fixture.Events.WaitFor<PlaceStatusChanged>(s => s.PlaceId == id && s.Level == Level.Elevated);
    }

    [Fact]
    public async Task ChangedThresholdsTakeEffectWithoutRestart()
    {
        var id = await fixture.NewPlace();
        await Place(id).Ingest(Batch((SignalKind.Sound, 100)));
        Assert.Equal(Level.Calm, (await Place(id).GetStatus()).Level);

        await fixture.Grains.GetGrain<ICatalogGrain>(0).Upsert(
            new PlaceDefinition(id, "Renamed", "torg", 59.27, 15.21, new PlaceThresholds(null, null, null, 80, 0)));
        await fixture.Events.WaitFor<PlaceDefinition>(d => d.Id == id && d.Name == "Renamed");
        await Place(id).Ingest(Batch((SignalKind.Sound, 100)));

        Assert.Equal(Level.Elevated, (await Place(id).GetStatus()).Level);
    }

    [Fact]
    public async Task DeviceStatusIsKept()
    {
        var id = await fixture.NewPlace();

        await Place(id).DeviceStatusChanged("sensor-9", online: false);

        var device = Assert.Single((await Place(id).GetStatus()).Devices);
        Assert.Equal("sensor-9", device.DeviceId);
        Assert.False(device.Online);
    }

    [Fact]
    public async Task WireTypesRoundTripThroughTheSerializer()
    {
        var serializer = fixture.Cluster.Silos[0].SiloHost.Services.GetRequiredService<Serializer>();
        var at = ClusterFixture.Start;
        var batch = new SignalBatch([new SignalSample("cam-1", SignalKind.Fire, 0.9, 123)]);
        var change = new PlaceStatusChanged("p", Level.Elevated, new Dictionary<string, double> { ["motion"] = 0.5 }, at);
        var alert = new AlertRaised("a1", "p", SignalKind.Report, 3, at, "s");

        Assert.Equal(batch.Samples, serializer.Deserialize<SignalBatch>(serializer.SerializeToArray(batch))!.Samples);
        var changeBack = serializer.Deserialize<PlaceStatusChanged>(serializer.SerializeToArray(change))!;
        Assert.Equal(Level.Elevated, changeBack.Level);
        Assert.Equal(0.5, changeBack.Values["motion"]);
        Assert.Equal(alert, serializer.Deserialize<AlertRaised>(serializer.SerializeToArray(alert)));
    }
}
