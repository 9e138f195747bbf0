using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Testing;

/// <summary>The server's HTTP API as the tests call it, and the waits that go with it.</summary>
public static class Api
{
    /// <summary>Signs in and returns the token.</summary>
    public static async Task<string> Login(this IServerEndpoints server, string user, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { username = user, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>An HTTP client that sends <paramref name="token"/>.</summary>
    public static HttpClient As(this IServerEndpoints server, string token)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<StatsDocument> Stats(this IServerEndpoints server) =>
        (await server.Http.GetFromJsonAsync<StatsDocument>("/api/ingest/stats"))!;

    /// <summary>Messages the server has accepted since it started.</summary>
    public static async Task<long> Accepted(this IServerEndpoints server) => (await server.Stats()).Accepted;

    /// <summary><c>GET /api/places/{id}</c>.</summary>
    public static async Task<JsonDocument> Place(this IServerEndpoints server, string placeId) =>
        JsonDocument.Parse(await server.Http.GetStringAsync($"/api/places/{placeId}"));

    /// <summary><c>PUT /api/devices/{id} {place}</c> as the admin: the device's secret, shown this once.</summary>
    public static async Task<string> Provision(this IServerEndpoints server, string deviceId, string placeId)
    {
        var response = await server.Http.PutAsJsonAsync($"/api/devices/{deviceId}", new { place = placeId });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /api/devices/{deviceId}: {(int)response.StatusCode} {text}");
        }

        using var body = JsonDocument.Parse(text);
        Assert.Equal(deviceId, body.RootElement.GetProperty("username").GetString());
        return body.RootElement.GetProperty("secret").GetString()!;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (20 s at most).</summary>
    public static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(25);
        }
    }

    /// <summary>Polls <c>GET /api/places/{place}</c> until <paramref name="done"/> holds (30 s at most).</summary>
    public static async Task<JsonElement> WaitForPlace(this IServerEndpoints server, string place, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            var response = await server.Http.GetAsync($"/api/places/{place}");
            if (response.IsSuccessStatusCode)
            {
                view = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (done(view))
                {
                    return view;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{place} never matched: {view}");
    }

    /// <summary>Waits until the stats satisfy <paramref name="done"/>; ingest counts asynchronously to the publisher's ack.</summary>
    public static async Task<StatsDocument> WaitForStats(this IServerEndpoints server, Func<StatsDocument, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        StatsDocument stats;
        do
        {
            stats = await server.Stats();
            if (done(stats))
            {
                return stats;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException("Stats never matched: " + JsonSerializer.Serialize(stats));
    }
}
