using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>A place's detail is drawn again at every status of the place; what the operator is typing there stays.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DetailFormTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AFocusReasonBeingTypedStaysWhenANewStatusDrawsTheDetailAgain()
    {
        // Not Storgatan: the camera below becomes a device of the place, and another test checks that Storgatan has none.
        const string place = "stadsparken";
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        await Pages.SignIn(board, new PageWatch(board), fixture.Server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        await board.Locator("#place-list [data-place=stadsparken] button").ClickAsync();
        await Expect(board.Locator("#detail-title")).ToContainTextAsync("Stadsparken");
        await board.Locator("#focus-minutes").SelectOptionAsync("120");
        var why = board.Locator("#focus-why");
        await why.FillAsync("Konsert i kväll");
        var typedInto = await why.ElementHandleAsync();

        await using (var camera = await fixture.Camera(place, "cam-typing"))
        {
            await camera.Publish($"pax/v1/{place}/cam-typing/signals", Device.Signals(Device.Now, ("people", 4)));
            await board.WaitForFunctionAsync("(input) => !input.isConnected", typedInto);
        }

        await Expect(why).ToHaveValueAsync("Konsert i kväll");
        await Expect(board.Locator("#focus-minutes")).ToHaveValueAsync("120");
        await Expect(why).ToBeFocusedAsync();
    }
}
