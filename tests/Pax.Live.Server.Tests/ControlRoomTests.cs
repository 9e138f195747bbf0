using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Server.Tests;

/// <summary>Snooze and focus ("punktmarkera"), and the OpenAPI document.</summary>
[Collection(ServerCollection.Name)]
public sealed class ControlRoomTests(ServerFixture server)
{
    private static readonly string[] Norr = ["norr"];

    private async Task<string> NewPlace(object thresholds)
    {
        var id = "cr-" + Guid.NewGuid().ToString("N")[..8];
        var put = await server.Http.PutAsJsonAsync($"/api/places/{id}", new { name = "Kontrolltorget", kind = "torg", area = "norr", latitude = 59.3, longitude = 15.2, thresholds });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return id;
    }

    [Fact]
    public async Task TheControlRoomSeesEachAreasPlacesAndTheGuardsItCanDispatch()
    {
        var area = "omr-" + Guid.NewGuid().ToString("N")[..6];
        var place = "omr-" + Guid.NewGuid().ToString("N")[..6];
        await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Områdestorget", kind = "torg", area, latitude = 59.3, longitude = 15.2 });
        await server.Http.PutAsJsonAsync($"/api/users/vakt-{area}", new { role = "guard", areas = new[] { area }, password = "password-" + area });
        await server.Http.PutAsJsonAsync($"/api/users/avstangd-{area}", new { role = "guard", areas = new[] { area }, password = "password-" + area, disabled = true });
        await server.Http.PutAsJsonAsync($"/api/users/op-{area}", new { role = "operator", areas = new[] { area }, password = "password-" + area });
        await server.Http.PutAsJsonAsync($"/api/users/stab-{area}", new { role = "staff", areas = new[] { area }, password = "password-" + area });

        using var staff = server.As(await server.Login($"stab-{area}", "password-" + area));
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/areas")).StatusCode);
        using var control = server.As(await server.Login($"op-{area}", "password-" + area));
        var areas = await control.GetFromJsonAsync<JsonElement[]>("/api/areas") ?? [];
        var mine = Assert.Single(areas, a => a.GetProperty("area").GetString() == area);
        Assert.Equal([place], mine.GetProperty("places").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal([$"vakt-{area}"], mine.GetProperty("guards").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task FocusLowersThresholdsUntilItEnds()
    {
        var place = await NewPlace(new { people = 40, dwellSeconds = 0 });
        await using var device = await Device.Connect(server, "cam-focus");
        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("people", 30)));
        await server.WaitForPlace(place, v => v.GetProperty("level").GetString() == "calm");

        var focus = await server.Http.PostAsJsonAsync($"/api/places/{place}/focus", new { minutes = 30, why = "Anmälda bråk i området ikväll" });
        Assert.Equal(HttpStatusCode.NoContent, focus.StatusCode);

        // 30 people is over 40 × 0.7: in focus the place is elevated without a new reading.
        var focused = await server.WaitForPlace(place, v => v.GetProperty("level").GetString() == "elevated");
        Assert.Equal("admin", focused.GetProperty("focus").GetProperty("by").GetString());
        Assert.Equal("Anmälda bråk i området ikväll", focused.GetProperty("focus").GetProperty("why").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.PostAsJsonAsync($"/api/places/{place}/focus", new { minutes = 0 })).StatusCode);
        await server.WaitForPlace(place, v => v.GetProperty("focus").ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task ASnoozedCauseRaisesNoAlertUntilTheSnoozeIsLifted()
    {
        var place = await NewPlace(new { dwellSeconds = 30 });
        var (live, _) = await LiveClient.Watch(server, place);
        await using var __ = live;
        var snooze = await server.Http.PostAsJsonAsync($"/api/places/{place}/snooze", new { kind = "impulse", minutes = 15, why = "Byggarbete med spikpistol" });
        Assert.Equal(HttpStatusCode.NoContent, snooze.StatusCode);
        await using var device = await Device.Connect(server, "cam-snooze");

        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        var quiet = await server.WaitForPlace(place, v => v.GetProperty("level").GetString() == "alert");
        Assert.Empty(quiet.GetProperty("openAlerts").EnumerateArray());
        Assert.Equal("impulse", quiet.GetProperty("snoozes")[0].GetProperty("kind").GetString());
        Assert.Equal("Byggarbete med spikpistol", quiet.GetProperty("snoozes")[0].GetProperty("why").GetString());
        Assert.Empty(live.Of<AlertEvent>());

        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.PostAsJsonAsync($"/api/places/{place}/snooze", new { kind = "impulse", minutes = 0 })).StatusCode);
        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        await live.WaitFor<AlertEvent>(a => a.PlaceId == place);
    }

    [Fact]
    public async Task SnoozeAndFocusAreCheckedAndForTheControlRoomOnly()
    {
        var place = await NewPlace(new { dwellSeconds = 30 });
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.PostAsJsonAsync($"/api/places/{place}/snooze", new { kind = "motion", minutes = 5, why = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.PostAsJsonAsync($"/api/places/{place}/snooze", new { kind = "fire", minutes = 5 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.PostAsJsonAsync($"/api/places/{place}/focus", new { minutes = 10_000, why = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.PostAsJsonAsync("/api/places/no-such-place/focus", new { minutes = 5, why = "x" })).StatusCode);

        var suffix = Guid.NewGuid().ToString("N")[..6];
        await server.Http.PutAsJsonAsync($"/api/users/gita-{suffix}", new { role = "guard", areas = Norr, password = "password-gita" });
        using var guard = server.As(await server.Login($"gita-{suffix}", "password-gita"));
        Assert.Equal(HttpStatusCode.Forbidden, (await guard.PostAsJsonAsync($"/api/places/{place}/focus", new { minutes = 5, why = "x" })).StatusCode);
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheApi()
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var document = await anonymous.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/api/places/{id}", "/api/alerts/{id}/resolve", "/api/auth/login", "/api/places/{id}/history", "/api/places/{id}/snooze" })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }
}
