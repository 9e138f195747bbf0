using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>
/// With no tile server (the fixture has none), the admin's site plans stand under the places: GeoJSON outlines with
/// their names, or an image stretched onto its four corners. A guard reads only their areas' plans; bad uploads are
/// ProblemDetails and change nothing.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class SitePlanTests(BrowserFixture fixture)
{
    private const string Outlines = """
        { "type": "FeatureCollection", "features": [
          { "type": "Feature", "properties": { "name": "Provgatan", "kind": "street" },
            "geometry": { "type": "LineString", "coordinates": [[15.2100, 59.2740], [15.2160, 59.2770], [15.2170, 59.2800]] } },
          { "type": "Feature", "properties": { "name": "Provtorget", "kind": "square" },
            "geometry": { "type": "Polygon", "coordinates": [[[15.2124, 59.2737], [15.2146, 59.2737], [15.2146, 59.2745], [15.2124, 59.2745], [15.2124, 59.2737]]] } }
        ] }
        """;

    private const string Svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="400" height="300" viewBox="0 0 400 300">
          <rect width="400" height="300" fill="#1f3a27"/><path d="M20 150 H380" stroke="#8b949e" stroke-width="12"/>
        </svg>
        """;

    private const string SoderCorners = "topLeft=59.2725,15.2255&topRight=59.2725,15.2345&bottomRight=59.2695,15.2345&bottomLeft=59.2695,15.2255";

    [Fact]
    public async Task AdminsPlansStandUnderTheMarkersAndGuardsSeeOnlyTheirAreas()
    {
        var admin = fixture.Server.Http;
        var put = await admin.PutAsync("/api/areas/centrum/siteplan", new StringContent(Outlines, Encoding.UTF8, "application/geo+json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        put = await admin.PutAsync($"/api/areas/soder/siteplan?{SoderCorners}", Body(Encoding.UTF8.GetBytes(Svg), "image/svg+xml"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var soder = await admin.GetFromJsonAsync<JsonElement>("/api/areas/soder/siteplan");
        Assert.Equal("image/svg+xml", soder.GetProperty("image").GetProperty("type").GetString());
        Assert.Equal(59.2725, soder.GetProperty("image").GetProperty("corners").GetProperty("topLeft").GetProperty("latitude").GetDouble());

        // The guard works in centrum only.
        using var guard = fixture.Server.As(await fixture.Server.Login(BrowserFixture.Guard, BrowserFixture.Password));
        Assert.Equal(HttpStatusCode.OK, (await guard.GetAsync("/api/areas/centrum/siteplan")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guard.GetAsync("/api/areas/soder/siteplan")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guard.GetAsync("/api/areas/soder/siteplan/image")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guard.GetAsync("/api/areas/no-such-area/siteplan")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await guard.PutAsync("/api/areas/centrum/siteplan", new StringContent(Outlines, Encoding.UTF8, "application/geo+json"))).StatusCode);
        var listed = await guard.GetFromJsonAsync<JsonElement[]>("/api/siteplans");
        Assert.Equal(["centrum"], listed!.Select(p => p.GetProperty("area").GetString()));

        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        await Pages.SignIn(board, new PageWatch(board), fixture.Server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        // Under the markers: the plan's pane is below Leaflet's overlay pane, where the places are drawn.
        await Expect(board.Locator(".leaflet-siteplans-pane path.siteplan-outline.siteplan-centrum")).ToHaveCountAsync(2);
        await Expect(board.Locator(".leaflet-siteplan-labels-pane .siteplan-label", new() { HasText = "Provgatan" })).ToBeVisibleAsync();
        var image = board.Locator(".leaflet-siteplans-pane img.siteplan-image.siteplan-soder");
        await Expect(image).ToHaveAttributeAsync("alt", "Situationsplan för soder");
        await board.WaitForFunctionAsync("() => document.querySelector('img.siteplan-soder')?.naturalWidth === 400");
        Assert.StartsWith("matrix3d(", await image.EvaluateAsync<string>("i => i.style.transform"), StringComparison.Ordinal);
        var z = await board.EvaluateAsync<int[]>("() => ['siteplans', 'overlay'].map((p) => +getComputedStyle(document.querySelector(`.leaflet-${p}-pane`)).zIndex)");
        Assert.True(z[0] < z[1], $"plan pane z {z[0]} is not under the markers' {z[1]}");
        await Expect(board.Locator(".leaflet-overlay-pane path.place-stora-torget")).ToHaveCountAsync(1);
        await Pages.Screenshot(board, "siteplan-board.png");
        var axe = await board.RunAxe(new AxeRunOptions { RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa"] } });
        Assert.True(axe.Violations.Length == 0, string.Join("\n", axe.Violations.Select(v => $"{v.Id}: {v.Help} — {string.Join("; ", v.Nodes.Select(n => n.Target.ToString()).Take(5))}")));

        await using var phone = await Pages.Phone(fixture.Browser);
        var page = await phone.NewPageAsync();
        await Pages.SignIn(page, new PageWatch(page), new Uri(fixture.Server.BaseAddress, "/guard"), BrowserFixture.Guard, BrowserFixture.Password);
        await Expect(page.Locator("path.siteplan-outline.siteplan-centrum")).ToHaveCountAsync(2);
        await Expect(page.Locator("img.siteplan-image")).ToHaveCountAsync(0);
        await Pages.Screenshot(page, "siteplan-guard.png");
    }

    [Fact]
    public async Task BadUploadsAreProblemDetailsAndNeverStored()
    {
        var admin = fixture.Server.Http;
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsync("/api/areas/centrum/siteplan", new StringContent(Outlines, Encoding.UTF8, "application/geo+json"))).StatusCode);
        var before = await admin.GetStringAsync("/api/areas/centrum/siteplan");

        await Problem(415, admin.PutAsync("/api/areas/centrum/siteplan", new StringContent("hello", Encoding.UTF8, "text/plain")));
        await Problem(415, admin.PutAsync($"/api/areas/centrum/siteplan?{SoderCorners}", Body(Encoding.UTF8.GetBytes(Svg), "image/png")));
        await Problem(415, admin.PutAsync($"/api/areas/centrum/siteplan?{SoderCorners}",
            Body(Encoding.UTF8.GetBytes("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"), "image/svg+xml")));
        // The server answers an oversized upload before it is sent: the client waits for a 100 Continue that never comes.
        using (var tooLarge = new HttpRequestMessage(HttpMethod.Put, $"/api/areas/centrum/siteplan?{SoderCorners}")
        {
            Content = Body([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[5 * 1024 * 1024]], "image/png"),
        })
        {
            tooLarge.Headers.ExpectContinue = true;
            await Problem(413, admin.SendAsync(tooLarge));
        }

        await Problem(400, admin.PutAsync("/api/areas/centrum/siteplan", Body(Encoding.UTF8.GetBytes(Svg), "image/svg+xml")));
        await Problem(400, admin.PutAsync("/api/areas/centrum/siteplan", new StringContent("""{ "type": "FeatureCollection", "features": [ { "type": "Feature", "geometry": { "type": "LineString", "coordinates": [[200, 59]] } } ] }""", Encoding.UTF8, "application/geo+json")));
        await Problem(400, admin.PutAsync("/api/areas/centrum/siteplan", new StringContent("{ not json", Encoding.UTF8, "application/json")));
        await Problem(404, admin.PutAsync("/api/areas/no-such-area/siteplan", new StringContent(Outlines, Encoding.UTF8, "application/geo+json")));

        Assert.Equal(before, await admin.GetStringAsync("/api/areas/centrum/siteplan"));
    }

    private static ByteArrayContent Body(byte[] bytes, string type)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return content;
    }

    private static async Task Problem(int status, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
