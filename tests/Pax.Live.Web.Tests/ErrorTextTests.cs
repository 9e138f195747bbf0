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
}
