using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.Server.Tests;

/// <summary>A change to a user's power ends what their old tokens can do at once: over HTTP and on their live connections.</summary>
[Collection(ServerCollection.Name)]
public sealed class RevocationTests(ServerFixture server)
{
    private static readonly string[] Norr = ["norr"];
    private static readonly string[] Syd = ["syd"];

    public static TheoryData<string> Changes() => ["disable", "role", "areas", "password"];

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task AChangeOfPowerEndsTheOldTokenAndTheLiveConnectionAtOnce(string change)
    {
        var name = "rev-" + change + "-" + Guid.NewGuid().ToString("N")[..6];
        await Put(server, name, new { role = "operator", areas = Norr, password = "password-" + name });
        var token = await server.Login(name, "password-" + name);
        using var old = server.As(token);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/alerts")).StatusCode);
        var (live, _) = await LiveClient.WatchAs(server, token);
        await using var _1 = live;
        Assert.Equal(HubConnectionState.Connected, live.State);

        // Putting the same user again changes nothing and revokes nothing.
        await Put(server, name, new { role = "operator", areas = Norr });
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/alerts")).StatusCode);

        object document = change switch
        {
            "disable" => new { role = "operator", areas = Norr, disabled = true },
            "role" => new { role = "staff", areas = Norr },
            "areas" => new { role = "operator", areas = Syd },
            _ => new { role = "operator", areas = Norr, password = "another-password-" + name },
        };
        await Put(server, name, document);

        // The very next request is refused, with a bare challenge; the live connection is closed and cannot come back.
        var refused = await old.GetAsync("/api/alerts");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/auth/me")).StatusCode);
        await Api.Until(() => live.State != HubConnectionState.Connected);
        await Task.Delay(1000);
        Assert.NotEqual(HubConnectionState.Connected, live.State);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => LiveClient.WatchAs(server, token));

        // Unless disabled, the user signs in again and works with what they are now.
        if (change != "disable")
        {
            var password = change == "password" ? "another-password-" + name : "password-" + name;
            using var fresh = server.As(await server.Login(name, password));
            Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/auth/me")).StatusCode);
        }
    }

    [Fact]
    public async Task ADetailedTokenErrorIsNeverSent()
    {
        using var forged = server.As("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl");
        var response = await forged.GetAsync("/api/alerts");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    internal static async Task Put(IServerEndpoints server, string name, object document)
    {
        var response = await server.Http.PutAsJsonAsync($"/api/users/{name}", document);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }
}
