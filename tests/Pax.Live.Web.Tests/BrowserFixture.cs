using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Pax.Live.Web.Tests;

/// <summary>
/// One real server (fresh SQLite data directory) with an operator and a guard of area <c>centrum</c>, and Debian's
/// Chromium (<see cref="Chromium"/>).
/// </summary>
#pragma warning disable CA1001 // xunit disposes fixtures through IAsyncLifetime.DisposeAsync.
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Operator = "operator-ui";
    public const string Guard = "vakt-ui";
    public const string GuardArea = "centrum";
    public const string Password = "browser-test-password";

    /// <summary>Screenshots, for people to look at: <c>artifacts/</c> beside the test assembly.</summary>
    public static string Artifacts { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts");

    /// <summary>The server as shipped: devices need credentials (the shared test process allows anonymous ones; a later argument wins).</summary>
    public ServerProcess Server { get; } = new(ServerProcess.NewTempDirectory("pax-web"), "--Pax:Mqtt:AllowAnonymous=false");

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Artifacts);
        await Server.Start();
        await PutUser(Operator, "operator", []);
        await PutUser(Guard, "guard", [GuardArea]);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Chromium.Launch(Playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(Server.DataDirectory, recursive: true);
    }

    /// <summary>A camera of <paramref name="place"/>, issued its secret by the admin and signed in to the broker with it.</summary>
    public async Task<Device> Camera(string place, string deviceId)
    {
        var response = await Server.Http.PutAsJsonAsync($"/api/devices/{deviceId}", new { place });
        response.EnsureSuccessStatusCode();
        var issued = await response.Content.ReadFromJsonAsync<JsonElement>();
        var secret = issued.GetProperty("secret").GetString()!;
        return await Device.Connect(Server, deviceId, o => o.WithCredentials(issued.GetProperty("username").GetString()!, secret));
    }

    private async Task PutUser(string name, string role, string[] areas)
    {
        var response = await Server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas, password = Password });
        response.EnsureSuccessStatusCode();
    }
}
#pragma warning restore CA1001

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
