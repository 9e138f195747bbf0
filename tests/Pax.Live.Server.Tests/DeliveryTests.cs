using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.Server.Tests;

/// <summary>No alert is lost across a dropped network: a client that comes back resumes its feeds from where it was.</summary>
[Collection(ServerCollection.Name)]
public sealed class DeliveryTests(ServerFixture server)
{
    [Fact]
    public async Task AGuardWhosePhoneLosesTheNetworkGetsWhatHappenedMeanwhileOnceAndInOrder()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var area = "del-" + suffix;
        var (first, second) = ("del-a-" + suffix, "del-b-" + suffix);
        foreach (var place in new[] { first, second })
        {
            var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", area, latitude = 59.3, longitude = 15.2 });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var guardName = "gita-" + suffix;
        var created = await server.Http.PutAsJsonAsync($"/api/users/{guardName}", new { role = "guard", areas = new[] { area }, password = "password-" + suffix });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        await using var proxy = new CuttableProxy(server.BaseAddress);
        var (guard, _) = await LiveClient.Connect(proxy.BaseAddress, await server.Login(guardName, "password-" + suffix));
        var (control, _) = await LiveClient.Watch(server, first, second);
        await using var _1 = guard;
        await using var _2 = control;
        await using var device = await Device.Connect(server, "cam-del-" + suffix);

        await device.Publish($"pax/v1/{first}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        var before = await guard.WaitFor<AlertEvent>(a => a.PlaceId == first);

        // The phone loses the network. Meanwhile a second place raises an alert and the first one is acknowledged.
        proxy.Cut();
        await Api.Until(() => guard.State != HubConnectionState.Connected);
        await device.Publish($"pax/v1/{second}/cam-1/signals", Device.Signals(Device.Now, ("fire", 0.95)));
        var missed = await control.WaitFor<AlertEvent>(a => a.PlaceId == second);
        var acknowledged = await server.Http.PostAsync($"/api/alerts/{before.AlertId}/acknowledge", null);
        Assert.True(acknowledged.IsSuccessStatusCode, await acknowledged.Content.ReadAsStringAsync());
        await control.WaitFor<AlertChangedEvent>(a => a.AlertId == before.AlertId && a.State == "acknowledged");
        Assert.DoesNotContain(guard.Of<AlertEvent>(), a => a.PlaceId == second);

        // It comes back: both arrive, from the resume, each once.
        proxy.Restore();
        await guard.WaitFor<AlertEvent>(a => a.AlertId == missed.AlertId, TimeSpan.FromSeconds(30));
        await guard.WaitFor<AlertChangedEvent>(a => a.AlertId == before.AlertId && a.State == "acknowledged");
        Assert.True(guard.Reconnections >= 1);
        var page = Assert.Single(guard.LastPages);
        Assert.Equal("area:" + area, page.Audience);
        Assert.False(page.Reset);

        var heard = guard.Of<AlertEvent>().Select(a => a.Position!)
            .Concat(guard.Of<AlertChangedEvent>().Select(a => a.Position!))
            .OrderBy(p => p.Seq)
            .ToList();
        Assert.All(heard, p => Assert.Equal("area:" + area, p.Audience));
        Assert.Equal(Enumerable.Range(1, heard.Count).Select(i => (long)i), heard.Select(p => p.Seq));
        Assert.Single(guard.Of<AlertEvent>(), a => a.PlaceId == first);
        Assert.Single(guard.Of<AlertEvent>(), a => a.PlaceId == second);
    }

    [Fact]
    public async Task AClientThatDropsAndReturnsAgainAndAgainMissesNoAlert()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var area = "flap-" + suffix;
        var places = Enumerable.Range(0, 12).Select(i => $"flap-{suffix}-{i}").ToArray();
        foreach (var place in places)
        {
            await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", area, latitude = 59.3, longitude = 15.2 });
        }

        var guardName = "flap-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/users/{guardName}", new { role = "guard", areas = new[] { area }, password = "password-" + suffix });
        await using var proxy = new CuttableProxy(server.BaseAddress);
        var (guard, _) = await LiveClient.Connect(proxy.BaseAddress, await server.Login(guardName, "password-" + suffix));
        await using var _1 = guard;
        await using var device = await Device.Connect(server, "cam-flap-" + suffix);

        // Four times: the network goes, three places raise alerts, the network comes back.
        for (var round = 0; round < 4; round++)
        {
            proxy.Cut();
            await Api.Until(() => guard.State != HubConnectionState.Connected);
            foreach (var place in places.Skip(round * 3).Take(3))
            {
                await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
            }

            proxy.Restore();
            await Api.Until(() => guard.Reconnections > round);
        }

        foreach (var place in places)
        {
            await guard.WaitFor<AlertEvent>(a => a.PlaceId == place, TimeSpan.FromSeconds(30));
        }

        Assert.Equal(4, guard.Reconnections);
        Assert.Equal(places.Length, guard.Of<AlertEvent>().Count());
        Assert.Equal(Enumerable.Range(1, places.Length).Select(i => (long)i), guard.Of<AlertEvent>().Select(a => a.Position!.Seq).Order());
    }

    [Fact]
    public async Task AClientThatConnectsGetsTheOpenAlertsOfItsAudienceFirst()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var area = "open-" + suffix;
        var place = "open-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", area, latitude = 59.3, longitude = 15.2 });
        var (control, _) = await LiveClient.Watch(server, place);
        await using var _1 = control;
        await using (var device = await Device.Connect(server, "cam-open-" + suffix))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("fire", 0.95)));
        }

        var raised = await control.WaitFor<AlertEvent>(a => a.PlaceId == place);
        await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);

        // A guard of the area who was not connected: the first resume is a reset that holds the open alert.
        var guardName = "gunnar-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/users/{guardName}", new { role = "guard", areas = new[] { area }, password = "password-" + suffix });
        var (guard, _) = await LiveClient.WatchAs(server, await server.Login(guardName, "password-" + suffix));
        await using var _2 = guard;
        var page = Assert.Single(guard.LastPages);
        Assert.True(page.Reset);
        Assert.Equal(raised.AlertId, Assert.Single(page.Open).AlertId);
        Assert.True(page.Seq >= 1);
    }

    /// <summary>The alert as a client written to the protocol's first shape knows it: one argument, no position.</summary>
    private sealed record V1Alert(string AlertId, string PlaceId, string Kind, int Severity, DateTimeOffset RaisedAt, string Summary);

    private sealed record V1Change(string AlertId, string PlaceId, string State);

    [Fact]
    public async Task ADotNetClientWrittenToTheFirstProtocolReceivesAlertRaisedAndAlertChanged()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var place = "v1-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", latitude = 59.3, longitude = 15.2 });

        // Exactly what such a client does: one-argument handlers, bound by SignalR's .NET client by argument count.
        await using var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(server.Token))
            .Build();
        var raised = new TaskCompletionSource<V1Alert>(TaskCreationOptions.RunContinuationsAsynchronously);
        var changed = new TaskCompletionSource<V1Change>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<V1Alert>("AlertRaised", a => raised.TrySetResult(a));
        connection.On<V1Change>("AlertChanged", a =>
        {
            if (a.State == "acknowledged")
            {
                changed.TrySetResult(a);
            }
        });
        await connection.StartAsync();
        await connection.InvokeAsync<System.Text.Json.JsonElement>("Watch", new[] { place });

        await using (var device = await Device.Connect(server, "cam-v1-" + suffix))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("fire", 0.95)));
        }

        var alert = await raised.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(place, alert.PlaceId);
        Assert.Equal("fire", alert.Kind);
        Assert.Matches("^[0-9a-f]{32}$", alert.AlertId);

        var ack = await server.Http.PostAsync($"/api/alerts/{alert.AlertId}/acknowledge", null);
        Assert.True(ack.IsSuccessStatusCode, await ack.Content.ReadAsStringAsync());
        Assert.Equal(alert.AlertId, (await changed.Task.WaitAsync(TimeSpan.FromSeconds(30))).AlertId);
    }
}
