using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>Contrast, names and roles as axe-core checks them (WCAG 2 A and AA), and the pages used by keyboard alone.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AccessibilityTests(BrowserFixture fixture)
{
    [Fact]
    public async Task TheControlRoomCanBeUsedByKeyboardAndPassesWcagAaChecks()
    {
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        await board.GotoAsync(fixture.Server.BaseAddress.ToString());
        await AssertNoViolations(board, "the login");

        // The user name field has the focus; the rest is typing, Tab and Enter.
        await board.Keyboard.TypeAsync(BrowserFixture.Operator);
        await board.Keyboard.PressAsync("Tab");
        await board.Keyboard.TypeAsync(BrowserFixture.Password);
        await board.Keyboard.PressAsync("Enter");
        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        var place = board.Locator("#place-list [data-place=storgatan] button");
        await place.FocusAsync();
        await board.Keyboard.PressAsync("Enter");
        await Expect(board.Locator("#detail")).ToBeFocusedAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("Storgatan");
        await AssertNoViolations(board, "the board with a place's detail");
    }

    [Fact]
    public async Task TheGuardsPagePassesWcagAaChecks()
    {
        await using var phone = await Pages.Phone(fixture.Browser);
        var guard = await phone.NewPageAsync();
        await Pages.SignIn(guard, new PageWatch(guard), new Uri(fixture.Server.BaseAddress, "/guard"), BrowserFixture.Guard, BrowserFixture.Password);
        await AssertNoViolations(guard, "the guard's page");
    }

    internal static async Task AssertNoViolations(IPage page, string what)
    {
        var results = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa"] },
        });
        var found = string.Join("\n", results.Violations.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} — {string.Join("; ", v.Nodes.Select(n => string.Join(" ", n.Target.ToString())).Take(5))}"));
        Assert.True(results.Violations.Length == 0, $"axe found in {what}:\n{found}");
        Assert.Contains(results.Passes, rule => rule.Id == "color-contrast");
    }
}
