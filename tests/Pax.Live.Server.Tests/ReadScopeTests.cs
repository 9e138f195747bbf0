using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Pax.Live.Server.Tests;

/// <summary>
/// Reads are scoped like writes: role × read endpoint × area. The control room reads everything; a guard the alerts,
/// snoozes, focus and devices of their own areas' places; staff no alerts at all; everyone the level and values.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ReadScopeTests(ServerFixture server, ITestOutputHelper output)
{
    private static readonly string[] Roles = ["operator", "admin", "guard-here", "guard-elsewhere", "staff-here", "staff-elsewhere"];

    [Fact]
    public async Task EveryReadEndpointAnswersEachRoleAndAreaAsItMay()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (here, elsewhere, place) = ("here-" + suffix, "else-" + suffix, "scope-" + suffix);
        Assert.True((await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Omfångstorget", kind = "torg", area = here, latitude = 59.3, longitude = 15.2 })).IsSuccessStatusCode);
        await using (var device = await Device.Connect(server, "cam-scope-" + suffix))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var raised = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        var alertId = raised.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()!;
        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.PostAsJsonAsync($"/api/places/{place}/snooze", new { kind = "fire", minutes = 30, why = "Övning" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await server.Http.PostAsJsonAsync($"/api/places/{place}/focus", new { minutes = 30, why = "Anmälda bråk" })).StatusCode);

        var clients = new Dictionary<string, (HttpClient Http, string Token)> { ["admin"] = (server.Http, server.Token) };
        foreach (var who in Roles.Where(r => r != "admin"))
        {
            var role = who.Split('-')[0];
            var name = $"{who}-{suffix}";
            var area = who.EndsWith("elsewhere", StringComparison.Ordinal) ? elsewhere : here;
            var put = await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas = role == "operator" ? Array.Empty<string>() : new[] { area }, password = "password-" + name });
            Assert.True(put.IsSuccessStatusCode);
            var token = await server.Login(name, "password-" + name);
            clients[who] = (server.As(token), token);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await clients["guard-here"].Http.PostAsync($"/api/places/{place}/check-in", null)).StatusCode);
        var wrong = new List<string>();
        void Expect(string who, string what, object expected, object actual)
        {
            if (!Equals(expected, actual))
            {
                wrong.Add($"{who} {what}: expected {expected}, got {actual}");
            }
        }

        foreach (var who in Roles)
        {
            var (http, token) = clients[who];
            var controlRoom = who is "operator" or "admin";
            var guardHere = who == "guard-here";
            var inArea = controlRoom || who.EndsWith("-here", StringComparison.Ordinal);

            // The place, in the list and alone: the alert-bearing fields only for whoever acts on them.
            var listed = (await http.GetFromJsonAsync<JsonElement[]>("/api/places"))!.Single(p => p.GetProperty("id").GetString() == place);
            var one = await http.GetFromJsonAsync<JsonElement>($"/api/places/{place}");
            foreach (var (view, where) in new[] { (listed, "GET /api/places"), (one, "GET /api/places/{id}") })
            {
                var full = controlRoom || guardHere;
                Expect(who, where + " openAlerts", full ? 1 : 0, view.GetProperty("openAlerts").GetArrayLength());
                Expect(who, where + " snoozes", full ? 1 : 0, view.GetProperty("snoozes").GetArrayLength());
                Expect(who, where + " focus", full, view.GetProperty("focus").ValueKind == JsonValueKind.Object);
                Expect(who, where + " devices", full, view.GetProperty("devices").GetArrayLength() > 0);
                Expect(who, where + " lastGuardVisit", full || who == "staff-here" ? JsonValueKind.String : JsonValueKind.Null, view.GetProperty("lastGuardVisit").ValueKind);
                Expect(who, where + " level", "alert", view.GetProperty("level").GetString()!);
            }

            Expect(who, "GET /history", inArea ? HttpStatusCode.OK : HttpStatusCode.Forbidden, (await http.GetAsync($"/api/places/{place}/history")).StatusCode);

            var queue = await http.GetAsync("/api/alerts");
            Expect(who, "GET /api/alerts", who.StartsWith("staff", StringComparison.Ordinal) ? HttpStatusCode.Forbidden : HttpStatusCode.OK, queue.StatusCode);
            if (queue.IsSuccessStatusCode)
            {
                var ids = (await queue.Content.ReadFromJsonAsync<JsonElement[]>())!.Select(a => a.GetProperty("alertId").GetString()).ToList();
                Expect(who, "GET /api/alerts lists it", controlRoom || guardHere, ids.Contains(alertId));
            }

            var mayReadAlert = controlRoom || guardHere ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
            Expect(who, "GET /api/alerts/{id}", mayReadAlert, (await http.GetAsync($"/api/alerts/{alertId}")).StatusCode);
            Expect(who, "GET /api/alerts/{id}/audit", mayReadAlert, (await http.GetAsync($"/api/alerts/{alertId}/audit")).StatusCode);

            var control = controlRoom ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
            var admin = who == "admin" ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
            Expect(who, "GET /api/areas", control, (await http.GetAsync("/api/areas")).StatusCode);
            Expect(who, "GET /api/ingest/stats", control, (await http.GetAsync("/api/ingest/stats")).StatusCode);
            Expect(who, "GET /api/reports/lagesbild", control, (await http.GetAsync("/api/reports/lagesbild?format=json")).StatusCode);
            Expect(who, "GET /api/rules/precision", control, (await http.GetAsync("/api/rules/precision")).StatusCode);
            Expect(who, "GET /suggestion", control, (await http.GetAsync($"/api/places/{place}/suggestion?kind=fire")).StatusCode);
            Expect(who, "POST /replay", control, (await http.PostAsJsonAsync($"/api/places/{place}/replay", new { })).StatusCode);
            Expect(who, "GET /api/devices", admin, (await http.GetAsync("/api/devices")).StatusCode);
            Expect(who, "GET /api/users", admin, (await http.GetAsync("/api/users")).StatusCode);
            Expect(who, "GET /api/debug/runtime", admin, (await http.GetAsync("/api/debug/runtime")).StatusCode);
            Expect(who, "GET /api/auth/me", HttpStatusCode.OK, (await http.GetAsync("/api/auth/me")).StatusCode);

            // The live hub: the place's status to anyone who watches it; its alert only to whoever may read it.
            var (live, current) = await LiveClient.WatchAs(server, token, place);
            await using (live)
            {
                Expect(who, "hub Watch status", "alert", current.Single().Level);
                var open = live.LastPages.SelectMany(p => p.Open).Any(a => a.AlertId == alertId);
                Expect(who, "hub Resume open alert", controlRoom || guardHere, open);
            }
        }

        foreach (var (who, (http, _)) in clients.Where(c => c.Key != "admin"))
        {
            http.Dispose();
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task ObservationsAreFiledOnlyInTheUsersAreasAndDispatchOnlyToAnEnabledGuardOfTheAlertsArea()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (area, place) = ("obs-" + suffix, "obs-" + suffix);
        Assert.True((await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Observationstorget", kind = "torg", area, latitude = 59.3, longitude = 15.2 })).IsSuccessStatusCode);
        async Task<HttpClient> User(string name, string role, string userArea, bool disabled = false)
        {
            Assert.True((await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas = new[] { userArea }, password = "password-" + name })).IsSuccessStatusCode);
            var client = server.As(await server.Login(name, "password-" + name));
            if (disabled)
            {
                Assert.True((await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas = new[] { userArea }, disabled = true })).IsSuccessStatusCode);
            }

            return client;
        }

        using var stranger = await User("obs-stranger-" + suffix, "staff", "else-" + suffix);
        using var local = await User("obs-local-" + suffix, "guard", area);
        using var _1 = await User("obs-far-" + suffix, "guard", "else-" + suffix);
        using var _2 = await User("obs-off-" + suffix, "guard", area, disabled: true);
        using var _3 = await User("obs-staff-" + suffix, "staff", area);

        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 3 })).StatusCode);
        await Task.Delay(300);
        Assert.Equal(0, (await server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{place}")).GetProperty("openAlerts").GetArrayLength());
        Assert.Equal(HttpStatusCode.Accepted, (await local.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 3 })).StatusCode);
        var raised = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        var alert = $"/api/alerts/{raised.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()}";

        foreach (var guard in new[] { "no-such-guard", "obs-far-" + suffix, "obs-off-" + suffix, "obs-staff-" + suffix, "" })
        {
            var refused = await server.Http.PostAsJsonAsync($"{alert}/dispatch", new { guard });
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{guard}: {refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal("raised", (await server.Http.GetFromJsonAsync<JsonElement>(alert)).GetProperty("state").GetString());
        var dispatched = await server.Http.PostAsJsonAsync($"{alert}/dispatch", new { guard = "obs-local-" + suffix });
        Assert.True(dispatched.IsSuccessStatusCode, await dispatched.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WatchingUnknownPlacesHoldsNothingForThem()
    {
        var before = (await server.Http.GetFromJsonAsync<JsonElement>("/api/debug/runtime?collect=true")).GetProperty("managedHeapMiB").GetDouble();
        var clients = new List<LiveClient>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                var ids = Enumerable.Range(0, 10_000).Select(n => $"nowhere-{i}-{n}-{Guid.NewGuid():N}").ToArray();
                var (client, current) = await LiveClient.Watch(server, ids);
                Assert.Empty(current);
                clients.Add(client);
            }

            var after = (await server.Http.GetFromJsonAsync<JsonElement>("/api/debug/runtime?collect=true")).GetProperty("managedHeapMiB").GetDouble();
            output.WriteLine($"live heap {before:0.0} MiB before, {after:0.0} MiB with ten connections watching 10,000 unknown places each");
            Assert.True(after - before < 16, $"ten connections watching 10,000 unknown places each hold {after - before:0.0} MiB");
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
