using System.Net.Http.Json;

namespace Pax.Live.Server.Tests;

/// <summary>A guard of one area, made through the API, and an HTTP client with their token.</summary>
public sealed record GuardClient(string Name, HttpClient Client)
{
    public static async Task<GuardClient> Create(ServerProcess server, string area)
    {
        var name = "vakt-" + Guid.NewGuid().ToString("N")[..8];
        var response = await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role = "guard", areas = new[] { area }, password = "password-" + name });
        response.EnsureSuccessStatusCode();
        return new GuardClient(name, server.As(await server.Login(name, "password-" + name)));
    }

    /// <summary>Registers a phone's Web Push subscription for this guard.</summary>
    public async Task Subscribe(string deviceId, BrowserSubscription phone)
    {
        var response = await Client.PutAsJsonAsync($"/api/push/subscriptions/{deviceId}", phone.Json());
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
