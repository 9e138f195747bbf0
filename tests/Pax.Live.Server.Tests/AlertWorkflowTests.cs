using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.Server.Tests;

/// <summary>People act on an alert over HTTP with their own tokens; roles and areas are checked; the record shows who did what.</summary>
[Collection(ServerCollection.Name)]
public sealed class AlertWorkflowTests(ServerFixture server)
{
    private async Task<string> User(string name, string role, params string[] areas)
    {
        var response = await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas, password = "password-" + name });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await server.Login(name, "password-" + name);
    }

    [Fact]
    public async Task AnAlertGoesFromRaisedToResolvedThroughTheControlRoomAndAGuard()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var place = "wf-" + suffix;
        var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Arbetstorget", kind = "torg", area = "norr", latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var olle = server.As(await User("olle-" + suffix, "operator"));
        using var gita = server.As(await User("gita-" + suffix, "guard", "norr"));
        using var greta = server.As(await User("greta-" + suffix, "guard", "soder"));
        using var stina = server.As(await User("stina-" + suffix, "staff", "norr"));
        var (live, _) = await LiveClient.Watch(server, place);
        await using var __ = live;

        await using (var device = await Device.Connect(server, "cam-wf-" + suffix))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var raised = await live.WaitFor<AlertEvent>(a => a.PlaceId == place);
        var id = raised.AlertId;
        var alertUrl = $"/api/alerts/{id}";

        // The queues: operators and the area's guards see it, a guard of another area and staff do not. An impulse is kept
        // in ingest's write-ahead log, so its alert is announced first and stored and listed a moment after.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!(await olle.GetFromJsonAsync<JsonElement[]>("/api/alerts") ?? []).Any(a => a.GetProperty("alertId").GetString() == id) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Contains(await olle.GetFromJsonAsync<JsonElement[]>("/api/alerts") ?? [], a => a.GetProperty("alertId").GetString() == id);
        Assert.Contains(await gita.GetFromJsonAsync<JsonElement[]>("/api/alerts") ?? [], a => a.GetProperty("alertId").GetString() == id);
        Assert.DoesNotContain(await greta.GetFromJsonAsync<JsonElement[]>("/api/alerts") ?? [], a => a.GetProperty("alertId").GetString() == id);
        await AssertProblem(await stina.GetAsync("/api/alerts"), HttpStatusCode.Forbidden);
        await AssertProblem(await greta.PostAsync($"{alertUrl}/accept", null), HttpStatusCode.Forbidden);

        await AssertProblem(await gita.PostAsync($"{alertUrl}/acknowledge", null), HttpStatusCode.Forbidden);
        await AssertProblem(await gita.PostAsync($"{alertUrl}/on-site", null), HttpStatusCode.Conflict);
        await AssertOk(await olle.PostAsync($"{alertUrl}/acknowledge", null), "acknowledged");
        await AssertProblem(await olle.PostAsync($"{alertUrl}/acknowledge", null), HttpStatusCode.Conflict);
        await AssertOk(await olle.PostAsJsonAsync($"{alertUrl}/dispatch", new { guard = "gita-" + suffix }), "dispatched");
        await AssertOk(await gita.PostAsync($"{alertUrl}/accept", null), "dispatched");
        await AssertOk(await gita.PostAsync($"{alertUrl}/on-site", null), "on-site");
        await AssertProblem(await gita.PostAsJsonAsync($"{alertUrl}/resolve", new { outcome = "false-alarm", note = "" }), HttpStatusCode.Conflict);
        await AssertOk(await gita.PostAsJsonAsync($"{alertUrl}/resolve", new { outcome = "false-alarm", note = "Fyrverkerier" }), "resolved");

        await live.WaitFor<AlertChangedEvent>(a => a.AlertId == id && a.State == "resolved");
        var audit = await olle.GetFromJsonAsync<JsonElement>($"{alertUrl}/audit");
        Assert.True(audit.GetProperty("intact").GetBoolean());
        Assert.Equal(
            ["raised", "acknowledged", "dispatched", "accepted", "on site", "resolved"],
            audit.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        var csv = await olle.GetStringAsync($"{alertUrl}/audit?format=csv");
        Assert.StartsWith("sequence,at,actor,action", csv, StringComparison.Ordinal);
        Assert.Contains("gita-" + suffix, csv, StringComparison.Ordinal);

        // Resolved frees the place: it lists the alert as recent, not open.
        var view = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 0);
        Assert.Equal(id, view.GetProperty("recentAlerts")[0].GetProperty("alert").GetProperty("alertId").GetString());
    }

    [Fact]
    public async Task AGuardHearsTheAlertsOfTheirAreasOnlyAndStaffHearNone()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var place = "aud-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Hörtorget", kind = "torg", area = "vaster", latitude = 59.3, longitude = 15.2 });
        var (guard, _) = await LiveClient.WatchAs(server, await User("gita-" + suffix, "guard", "vaster"));
        var (elsewhere, _) = await LiveClient.WatchAs(server, await User("greta-" + suffix, "guard", "oster"));
        var (staff, _) = await LiveClient.WatchAs(server, await User("stina-" + suffix, "staff", "vaster"));
        var (control, _) = await LiveClient.Watch(server);
        await using var _1 = guard;
        await using var _2 = elsewhere;
        await using var _3 = staff;
        await using var _4 = control;

        await using (var device = await Device.Connect(server, "cam-aud-" + suffix))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("fire", 0.95)));
        }

        var heard = await guard.WaitFor<AlertEvent>(a => a.PlaceId == place);
        await control.WaitFor<AlertEvent>(a => a.AlertId == heard.AlertId);
        await staff.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "alert");
        await Task.Delay(500);
        Assert.Single(guard.Of<AlertEvent>(), a => a.PlaceId == place);
        Assert.DoesNotContain(elsewhere.Of<AlertEvent>(), a => a.PlaceId == place);
        Assert.Empty(staff.Of<AlertEvent>());
    }

    [Fact]
    public async Task WithoutATokenNothingButHealthAndLoginAnswers()
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
        foreach (var url in new[] { "/api/places", "/api/places/stora-torget", "/api/ingest/stats", "/api/alerts", "/api/users" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
        }

        var wrong = await anonymous.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "nope" });
        await AssertProblem(wrong, HttpStatusCode.Unauthorized);
        var hub = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "/hubs/live")).Build();
        await using var _ = hub;
        await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());

        var staff = server.As(await User("stina-" + Guid.NewGuid().ToString("N")[..6], "staff", "norr"));
        using var __ = staff;
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/ingest/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.PutAsJsonAsync("/api/places/stora-torget", new { name = "x" })).StatusCode);
    }

    [Fact]
    public async Task StaffObservationsEnterAsReportsAndCheckInsShowOnThePlace()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var place = "field-" + suffix;
        await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Fältgatan", kind = "street", area = "norr", latitude = 59.3, longitude = 15.2 });
        using var stina = server.As(await User("stina-" + suffix, "staff", "norr"));
        using var gita = server.As(await User("gita-" + suffix, "guard", "norr"));
        using var olle = server.As(await User("olle-" + suffix, "operator"));

        await AssertProblem(await stina.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 4 }), HttpStatusCode.BadRequest);
        await AssertProblem(await stina.PostAsJsonAsync("/api/places/no-such-place/observations", new { severity = 2 }), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Accepted, (await stina.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 3 })).StatusCode);
        var reported = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        Assert.Equal("report", reported.GetProperty("openAlerts")[0].GetProperty("kind").GetString());
        Assert.Equal("alert", reported.GetProperty("level").GetString());
        Assert.Contains(reported.GetProperty("devices").EnumerateArray(), d => d.GetProperty("deviceId").GetString() == "observation");

        Assert.Equal(JsonValueKind.Null, reported.GetProperty("lastGuardVisit").ValueKind);
        Assert.Equal(HttpStatusCode.NoContent, (await gita.PostAsync($"/api/places/{place}/check-in", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await stina.PostAsync($"/api/places/{place}/check-in", null)).StatusCode);
        await AssertProblem(await olle.PostAsync($"/api/places/{place}/check-in", null), HttpStatusCode.Forbidden);
        var visited = await server.WaitForPlace(place, v => v.GetProperty("lastGuardVisit").ValueKind == JsonValueKind.String);
        Assert.InRange(visited.GetProperty("lastGuardVisit").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal(JsonValueKind.String, visited.GetProperty("lastStaffVisit").ValueKind);
    }

    private static async Task AssertOk(HttpResponseMessage response, string state)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Equal(state, JsonDocument.Parse(body).RootElement.GetProperty("state").GetString());
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString()));
    }
}
