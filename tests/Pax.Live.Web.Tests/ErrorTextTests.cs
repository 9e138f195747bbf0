using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>A refusal is read in the page's language and names what was refused, never in the server's English.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ErrorTextTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AFocusWithoutAReasonIsRefusedNamingTheFieldInSwedishAndInEnglish()
    {
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);
        await Pages.SignIn(board, watch, fixture.Server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);

        await board.Locator("#place-list [data-place=storgatan] button").ClickAsync();
        await board.Locator("#detail").GetByRole(AriaRole.Button, new() { Name = "Punktmarkera", Exact = true }).ClickAsync();
        await Expect(board.Locator("#announcer")).ToHaveTextAsync("Uppgifterna är ofullständiga eller felaktiga: anledning.");

        await board.EvaluateAsync("() => localStorage.setItem('pax.lang', 'en')");
        await board.ReloadAsync();
        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await board.Locator("#place-list [data-place=storgatan] button").ClickAsync();
        await board.Locator("#detail").GetByRole(AriaRole.Button, new() { Name = "Put in focus", Exact = true }).ClickAsync();
        await Expect(board.Locator("#announcer")).ToHaveTextAsync("The input is incomplete or wrong: reason.");
    }

    [Fact]
    public async Task ABodyOverTheServersLimitIsTooLargeInSwedishAndInEnglish()
    {
        // A server whose request limit (Pax:Http:MaxRequestBytes) is below a focus with a long reason: the form allows
        // 500 characters, the server takes 256 bytes, and Kestrel refuses the body.
        await using var own = await OwnServer("--Pax:Http:MaxRequestBytes=256");
        var server = own.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);
        await Pages.SignIn(board, watch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        var why = string.Join(" ", Enumerable.Repeat("Byggarbete vid torget", 15));

        await Select(board, "storgatan", "Storgatan");
        Assert.Equal(413, await Submit(board, "/focus", "Punktmarkera", why));
        await Expect(board.Locator("#announcer")).ToHaveTextAsync("Det är för stort för servern att ta emot.");

        await board.Locator("#language").SelectOptionAsync("en");
        Assert.Equal(413, await Submit(board, "/focus", "Put in focus", why));
        await Expect(board.Locator("#announcer")).ToHaveTextAsync("That is too large for the server to take.");
    }

    [Fact]
    public async Task SignInsOverTheServersLimitSayHowLongToWaitInSwedishAndInEnglish()
    {
        // One sign-in a minute from an address: the server's own start (the admin's sign-in) takes it.
        await using var own = await OwnServer("--Pax:Http:LoginAttemptsPerMinute=1");
        var server = own.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var page = await control.NewPageAsync();
        await page.GotoAsync(server.BaseAddress.ToString());

        var wait = await SignInUntilThrottled(page);
        await Expect(page.Locator("#login .error")).ToHaveTextAsync($"För många försök på kort tid. Vänta {wait} s och försök igen.");

        await page.Locator("#language").SelectOptionAsync("en");
        wait = await SignInUntilThrottled(page);
        await Expect(page.Locator("#login .error")).ToHaveTextAsync($"Too many attempts in a short time. Wait {wait} s and try again.");
    }

    [Fact]
    public async Task AChangeThatCannotBeStoredSaysTheDatabaseIsAwayInSwedishAndInEnglish()
    {
        await using var postgres = await PostgresServer.Start();
        await using var own = await OwnServer("--Pax:Storage:Provider=PostgreSql", $"--Pax:Storage:ConnectionString={await postgres.CreateDatabase()}");
        var server = own.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);
        await Pages.SignIn(board, watch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);

        // Both places are running before the database goes (a place that is not cannot start without reading its state).
        await Select(board, "stora-torget", "Stora torget");
        await Select(board, "storgatan", "Storgatan");
        await postgres.StopServer();

        Assert.Equal(503, await Submit(board, "/focus", "Punktmarkera", "Vattenläcka"));
        await Expect(board.Locator("#announcer")).ToHaveTextAsync("Det är inte sparat: servern når inte sin databas. Försök igen om en stund.");

        await board.Locator("#language").SelectOptionAsync("en");
        await Select(board, "stora-torget", "Stora torget");
        Assert.Equal(503, await Submit(board, "/focus", "Put in focus", "Water leak"));
        await Expect(board.Locator("#announcer")).ToHaveTextAsync("It is not saved: the server does not reach its database. Try again in a while.");
    }

    /// <summary>A server of this test's own, as shipped but for <paramref name="args"/>, with the fixture's operator.</summary>
    private static async Task<OwnedServer> OwnServer(params string[] args)
    {
        var server = new ServerProcess(ServerProcess.NewTempDirectory("pax-web-errors"), ["--Pax:Mqtt:AllowAnonymous=false", .. args]);
        try
        {
            await server.Start();
            var put = await server.Http.PutAsJsonAsync($"/api/users/{BrowserFixture.Operator}", new { role = "operator", areas = Array.Empty<string>(), password = BrowserFixture.Password });
            put.EnsureSuccessStatusCode();
            return new OwnedServer(server);
        }
        catch
        {
            await new OwnedServer(server).DisposeAsync();
            throw;
        }
    }

    /// <summary>A server that is stopped, and its data directory deleted, at the end of its test.</summary>
    private sealed class OwnedServer(ServerProcess server) : IAsyncDisposable
    {
        public ServerProcess Server => server;

        public async ValueTask DisposeAsync()
        {
            await server.DisposeAsync();
            Directory.Delete(server.DataDirectory, recursive: true);
        }
    }

    /// <summary>Opens a place's detail and waits until it shows (the page reads the place first).</summary>
    private static async Task Select(IPage board, string place, string name)
    {
        await board.Locator($"#place-list [data-place={place}] button").ClickAsync();
        await Expect(board.Locator("#detail-title")).ToContainTextAsync(name);
        await Expect(board.Locator("#focus-why")).ToBeVisibleAsync();
    }

    /// <summary>Fills the selected place's focus reason, presses the button and returns the status the server answered.</summary>
    private static async Task<int> Submit(IPage board, string pathEnd, string button, string why)
    {
        await board.Locator("#focus-why").FillAsync(why);
        var response = await board.RunAndWaitForResponseAsync(
            () => board.Locator("#detail").GetByRole(AriaRole.Button, new() { Name = button, Exact = true }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.EndsWith(pathEnd, StringComparison.Ordinal));
        return response.Status;
    }

    /// <summary>Signs in with a wrong password until the server throttles (a new minute may let one more through); returns its Retry-After.</summary>
    private static async Task<int> SignInUntilThrottled(IPage page)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await page.Locator("#login input[name=username]").FillAsync(BrowserFixture.Operator);
            await page.Locator("#login input[name=password]").FillAsync("not-the-password");
            var response = await page.RunAndWaitForResponseAsync(
                () => page.Locator("#login button[type=submit]").ClickAsync(),
                r => r.Url.EndsWith("/api/auth/login", StringComparison.Ordinal));
            if (response.Status == 429)
            {
                var retryAfter = await response.HeaderValueAsync("retry-after");
                Assert.NotNull(retryAfter);
                var seconds = int.Parse(retryAfter, CultureInfo.InvariantCulture);
                Assert.InRange(seconds, 1, 60);
                return seconds;
            }

            Assert.Equal(401, response.Status);
        }

        Assert.Fail("Three sign-ins in a row were not throttled.");
        return 0;
    }
}
