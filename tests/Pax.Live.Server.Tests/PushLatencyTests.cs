using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Pax.Live.Server.Tests;

/// <summary>
/// Dispatch → push request at the push service, with 100 guards: one at a time, all at once, and a new alert fanned out
/// to all of them. Prints p50 and p99 (docs/performance.md); asserts only that every push arrives and is the right one.
/// </summary>
[Collection(PushCollection.Name)]
public sealed class PushLatencyTests(PushFixture fixture, ITestOutputHelper output)
{
    private const int Guards = 100;

    [Fact]
    public async Task DispatchesAndANewAlertReachAHundredGuardsPhones()
    {
        var server = fixture.Server;
        var service = fixture.PushService;
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var area = "lat-" + suffix;
        var places = Enumerable.Range(0, 2 * Guards + 1).Select(i => $"lat-{suffix}-{i}").ToArray();
        foreach (var place in places)
        {
            var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Mättorget " + place, kind = "torg", area, latitude = 59.3, longitude = 15.2 });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var guards = new (string Name, HttpClient Client, BrowserSubscription Phone)[Guards];
        for (var i = 0; i < Guards; i++)
        {
            var name = $"lat-{suffix}-g{i}";
            (await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role = "guard", areas = new[] { area }, password = "password-" + name })).EnsureSuccessStatusCode();
            var client = server.As(await server.Login(name, "password-" + name));
            var phone = service.NewSubscription();
            (await client.PutAsJsonAsync("/api/push/subscriptions/phone", phone.Json())).EnsureSuccessStatusCode();
            guards[i] = (name, client, phone);
        }

        var alerts = new string[2 * Guards];
        for (var i = 0; i < alerts.Length; i++)
        {
            alerts[i] = await RaiseAlert(server, places[i]);
        }

        // Warm: the first push signs the VAPID token and opens the connection.
        await Dispatch(server, alerts[0], guards[0], service);

        // One at a time.
        var oneAtATime = new List<double>();
        for (var i = 1; i < Guards; i++)
        {
            oneAtATime.Add(await Dispatch(server, alerts[i], guards[i], service));
        }

        // All at once: 100 operators' dispatches in the same moment.
        var allAtOnce = await Task.WhenAll(Enumerable.Range(0, Guards).Select(i => Dispatch(server, alerts[Guards + i], guards[i], service)));

        // A new alert to every guard of the area who asked for new alerts: all 100.
        foreach (var guard in guards)
        {
            (await guard.Client.PutAsJsonAsync("/api/push/settings", new { newAlerts = true })).EnsureSuccessStatusCode();
        }

        var raisedAt = Stopwatch.GetTimestamp();
        (await server.Http.PostAsJsonAsync($"/api/places/{places[^1]}/observations", new { severity = 3 })).EnsureSuccessStatusCode();
        var fanned = await Task.WhenAll(guards.Select(async g =>
        {
            var push = await service.WaitFor(g.Phone.Endpoint, p => p.At > raisedAt && !g.Phone.Payload(p).GetProperty("dispatched").GetBoolean());
            Assert.Equal(places[^1], await PlaceOf(server, g.Phone.Payload(push).GetProperty("alertId").GetString()!));
            return Stopwatch.GetElapsedTime(raisedAt, push.At).TotalMilliseconds;
        }));

        Report("dispatch, one at a time", oneAtATime);
        Report("dispatch, 100 at once", allAtOnce);
        Report("new alert (observation POST) to 100 guards", fanned);
        foreach (var guard in guards)
        {
            guard.Client.Dispose();
            guard.Phone.Dispose();
        }
    }

    private void Report(string what, IReadOnlyCollection<double> ms)
    {
        var sorted = ms.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: n={sorted.Length} p50={P(0.50):0.0} ms p99={P(0.99):0.0} ms max={sorted[^1]:0.0} ms"));
    }

    /// <summary>From just before the dispatch request until the push service has the push, in ms.</summary>
    private static async Task<double> Dispatch(ServerProcess server, string alertId, (string Name, HttpClient Client, BrowserSubscription Phone) guard, TestPushService service)
    {
        var started = Stopwatch.GetTimestamp();
        (await server.Http.PostAsJsonAsync($"/api/alerts/{alertId}/dispatch", new { guard = guard.Name })).EnsureSuccessStatusCode();
        var push = await service.WaitFor(guard.Phone.Endpoint, p => p.At > started && guard.Phone.Payload(p).GetProperty("alertId").GetString() == alertId);
        return Stopwatch.GetElapsedTime(started, push.At).TotalMilliseconds;
    }

    private static async Task<string> RaiseAlert(ServerProcess server, string place)
    {
        (await server.Http.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 3 })).EnsureSuccessStatusCode();
        var view = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() > 0);
        return view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()!;
    }

    private static async Task<string> PlaceOf(ServerProcess server, string alertId) =>
        (await server.Http.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}")).GetProperty("placeId").GetString()!;
}
