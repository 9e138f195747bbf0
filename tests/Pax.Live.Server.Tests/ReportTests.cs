using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pax.Live.Server.Tests;

/// <summary>The lägesbild: an alert handled through the API shows up with its cause, outcome and response times.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class ReportTests(ServerFixture server)
{
    private async Task<string> User(string name, string role, params string[] areas)
    {
        var response = await server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas, password = "password-" + name });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await server.Login(name, "password-" + name);
    }

    [Fact]
    public async Task AHandledAlertAppearsInTheReportAsJsonAndAsASelfContainedPage()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var place = "rep-" + suffix;
        var area = "rapport-" + suffix;
        var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Rapporttorget <&>", kind = "torg", area, latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var olle = server.As(await User("olle-" + suffix, "operator"));
        using var gita = server.As(await User("gita-" + suffix, "guard", area));
        var from = DateTimeOffset.UtcNow.AddHours(-1);
        var (live, _) = await LiveClient.Watch(server, place);
        await using var __ = live;

        await using (var device = await Device.Connect(server, "cam-rep-" + suffix))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var id = (await live.WaitFor<AlertEvent>(a => a.PlaceId == place)).AlertId;
        Assert.True((await olle.PostAsync($"/api/alerts/{id}/acknowledge", null)).IsSuccessStatusCode);
        Assert.True((await olle.PostAsJsonAsync($"/api/alerts/{id}/dispatch", new { guard = "gita-" + suffix })).IsSuccessStatusCode);
        Assert.True((await gita.PostAsync($"/api/alerts/{id}/on-site", null)).IsSuccessStatusCode);
        Assert.True((await gita.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { outcome = "false-alarm", note = "Smällare" })).IsSuccessStatusCode);
        var audit = await olle.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}/audit");
        var at = audit.GetProperty("entries").EnumerateArray().ToDictionary(e => e.GetProperty("action").GetString()!, e => e.GetProperty("at").GetDateTimeOffset());

        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var url = $"/api/reports/lagesbild?area={area}&from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";
        var report = await Poll(olle, url + "&format=json", r => r.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("alertId").GetString() == id && a.GetProperty("outcome").ValueKind == JsonValueKind.String));

        var alert = Assert.Single(report.GetProperty("alerts").EnumerateArray());
        Assert.Equal("impulse", alert.GetProperty("cause").GetString());
        Assert.Equal("false-alarm", alert.GetProperty("outcome").GetString());
        Assert.Equal((at["acknowledged"] - at["raised"]).TotalSeconds, alert.GetProperty("secondsToAcknowledged").GetDouble(), 0.01);
        Assert.Equal((at["on site"] - at["raised"]).TotalSeconds, alert.GetProperty("secondsToOnSite").GetDouble(), 0.01);
        var current = report.GetProperty("current");
        Assert.Equal(1, current.GetProperty("alerts").GetProperty("byCause").GetProperty("impulse").GetInt32());
        Assert.Equal(1, current.GetProperty("alerts").GetProperty("byOutcome").GetProperty("false-alarm").GetInt32());
        var times = current.GetProperty("responseTimes");
        Assert.Equal(1, times.GetProperty("raisedToAcknowledged").GetProperty("count").GetInt32());
        Assert.Equal(alert.GetProperty("secondsToAcknowledged").GetDouble(), times.GetProperty("raisedToAcknowledged").GetProperty("medianSeconds").GetDouble(), 0.01);
        Assert.Equal(alert.GetProperty("secondsToOnSite").GetDouble(), times.GetProperty("raisedToOnSite").GetProperty("p90Seconds").GetDouble(), 0.01);
        var placeReport = Assert.Single(report.GetProperty("places").EnumerateArray());
        Assert.Equal(place, placeReport.GetProperty("placeId").GetString());
        Assert.Equal(1, placeReport.GetProperty("current").GetProperty("alerts").GetProperty("count").GetInt32());
        Assert.Contains(report.GetProperty("trends").EnumerateArray(), t => t.GetProperty("metric").GetString() == "alerts" && t.GetProperty("current").GetDouble() == 1 && t.GetProperty("previous").GetDouble() == 0);

        // Content negotiation: an Accept that asks for JSON gets JSON, a browser's gets the page.
        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            var response = await olle.SendAsync(request);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            var page = await olle.SendAsync(request);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
            Assert.Contains("Rapporttorget &lt;&amp;&gt;", html, StringComparison.Ordinal);
            Assert.DoesNotContain("Rapporttorget <&>", html, StringComparison.Ordinal);
            Assert.Contains("<svg", html, StringComparison.Ordinal);
            Assert.Contains("@media print", html, StringComparison.Ordinal);
            Assert.Contains("<h2>Insatstider</h2>", html, StringComparison.Ordinal);
            // Self-contained: nothing is loaded from anywhere, no script runs.
            Assert.DoesNotMatch(ExternalReference(), html);
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task BadRequestsAreProblemsAndOnlyTheControlRoomMayReadTheReport()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        using var olle = server.As(await User("olle-" + suffix, "operator"));
        using var gita = server.As(await User("gita-" + suffix, "guard", "norr"));
        using var stina = server.As(await User("stina-" + suffix, "staff", "norr"));

        var problem = await AssertProblem(await olle.GetAsync("/api/reports/lagesbild?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z"), HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _));
        await AssertProblem(await olle.GetAsync("/api/reports/lagesbild?from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), HttpStatusCode.BadRequest);
        await AssertProblem(await olle.GetAsync("/api/reports/lagesbild?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), HttpStatusCode.BadRequest);
        await AssertProblem(await olle.GetAsync("/api/reports/lagesbild?from=yesterday"), HttpStatusCode.BadRequest);
        await AssertProblem(await olle.GetAsync("/api/reports/lagesbild?format=pdf"), HttpStatusCode.BadRequest);
        await AssertProblem(await olle.GetAsync("/api/reports/lagesbild?area=no-such-area-" + suffix), HttpStatusCode.NotFound);
        await AssertProblem(await gita.GetAsync("/api/reports/lagesbild"), HttpStatusCode.Forbidden);
        await AssertProblem(await stina.GetAsync("/api/reports/lagesbild?format=json"), HttpStatusCode.Forbidden);
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/reports/lagesbild")).StatusCode);

        // The whole catalogue over the default period (the last 30 days) answers for an admin too.
        var all = await server.Http.GetFromJsonAsync<JsonElement>("/api/reports/lagesbild?format=json");
        Assert.True(all.GetProperty("places").GetArrayLength() > 0);
        Assert.Equal(30, (all.GetProperty("to").GetDateTimeOffset() - all.GetProperty("from").GetDateTimeOffset()).TotalDays, 3);

        // A period reaching back past the retention (90 days by default) says its figures are incomplete.
        var year = await olle.GetFromJsonAsync<JsonElement>("/api/reports/lagesbild?format=json&from=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-365).ToString("O")));
        Assert.Equal(90, (DateTimeOffset.UtcNow - year.GetProperty("historySince").GetDateTimeOffset()).TotalDays, 0);
        Assert.Contains("Ofullständigt underlag", await olle.GetStringAsync("/api/reports/lagesbild?from=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-365).ToString("O"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrecisionCountsTheOutcomesPerRuleAndPerDeviceWorstFirstAndTheReportShowsIt()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var place = "prec-" + suffix;
        var area = "prec-" + suffix;
        var put = await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Precisionstorget", kind = "torg", area, latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var olle = server.As(await User("olle-" + suffix, "operator"));
        using var gita = server.As(await User("gita-" + suffix, "guard", area));
        var from = DateTimeOffset.UtcNow.AddHours(-1);
        var (live, _) = await LiveClient.Watch(server, place);
        await using var __ = live;

        // Two bangs heard by camera A were fireworks, one by camera B was real, and so was a guard's report.
        var handled = new HashSet<string>(StringComparer.Ordinal);
        async Task Raise(Func<Task> cause, string outcome)
        {
            await cause();
            var id = (await live.WaitFor<AlertEvent>(a => a.PlaceId == place && !handled.Contains(a.AlertId))).AlertId;
            handled.Add(id);
            Assert.True((await olle.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { outcome, note = "test" })).IsSuccessStatusCode);
        }

        async Task Bang(string camera)
        {
            await using var device = await Device.Connect(server, camera);
            await device.Publish($"pax/v1/{place}/{camera}/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var cameraA = "cam-a-" + suffix;
        var cameraB = "cam-b-" + suffix;
        await Raise(() => Bang(cameraA), "false-alarm");
        await Raise(() => Bang(cameraA), "false-alarm");
        await Raise(() => Bang(cameraB), "confirmed");
        await Raise(async () => (await gita.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 3 })).EnsureSuccessStatusCode(), "confirmed");

        var to = DateTimeOffset.UtcNow.AddMinutes(1);
        var period = $"from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}";
        var precision = await Poll(olle, $"/api/rules/precision?area={area}&{period}", r =>
            r.GetProperty("rules").EnumerateArray().Sum(x => x.GetProperty("counts").GetProperty("confirmed").GetInt32() + x.GetProperty("counts").GetProperty("falseAlarms").GetInt32()) == 4);

        var rules = precision.GetProperty("rules").EnumerateArray().ToArray();
        Assert.Equal(["impulse", "report"], rules.Select(r => r.GetProperty("cause").GetString()));
        Assert.All(rules, r => Assert.Equal(place, r.GetProperty("placeId").GetString()));
        var bangs = rules[0].GetProperty("counts");
        Assert.Equal(3, bangs.GetProperty("raised").GetInt32());
        Assert.Equal(1, bangs.GetProperty("confirmed").GetInt32());
        Assert.Equal(2, bangs.GetProperty("falseAlarms").GetInt32());
        Assert.Equal(0.333, bangs.GetProperty("precision").GetDouble());
        Assert.True(bangs.GetProperty("medianSecondsToAcknowledged").GetDouble() >= 0);
        Assert.Equal(1.0, rules[1].GetProperty("counts").GetProperty("precision").GetDouble());

        var devices = precision.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("deviceId").GetString()!, d => d.GetProperty("counts"));
        Assert.Equal(0.0, devices[cameraA].GetProperty("precision").GetDouble());
        Assert.Equal(2, devices[cameraA].GetProperty("falseAlarms").GetInt32());
        Assert.Equal(1.0, devices[cameraB].GetProperty("precision").GetDouble());
        Assert.Equal(cameraA, precision.GetProperty("devices")[0].GetProperty("deviceId").GetString());

        // The lägesbild carries the same table.
        var html = WebUtility.HtmlDecode(await olle.GetStringAsync($"/api/reports/lagesbild?area={area}&{period}"));
        Assert.Contains("<h2>Träffsäkerhet per regel</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<td>Precisionstorget</td><td>Smäll</td><td>3</td><td>1</td><td>2</td><td>33 %</td>", html, StringComparison.Ordinal);

        // Bad requests are problems; only the control room reads precision.
        await AssertProblem(await olle.GetAsync("/api/rules/precision?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z"), HttpStatusCode.BadRequest);
        await AssertProblem(await olle.GetAsync("/api/rules/precision?area=Not_An_Area"), HttpStatusCode.BadRequest);
        await AssertProblem(await olle.GetAsync("/api/rules/precision?area=no-such-area-" + suffix), HttpStatusCode.NotFound);
        await AssertProblem(await gita.GetAsync("/api/rules/precision"), HttpStatusCode.Forbidden);
    }

    private static async Task<JsonElement> Poll(HttpClient client, string url, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await client.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            var report = JsonDocument.Parse(body).RootElement;
            if (done(report))
            {
                return report;
            }

            Assert.True(DateTime.UtcNow < deadline, "The report did not show the alert in time: " + body);
            await Task.Delay(250);
        }
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>A src or href attribute, a CSS url() or an @import: anything a browser would fetch.</summary>
    [GeneratedRegex(@"\b(src|href)\s*=|url\s*\(|@import", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalReference();
}
