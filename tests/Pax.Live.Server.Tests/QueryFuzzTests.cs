using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Server.Tests;

/// <summary>Every query parameter of every route the OpenAPI document lists, with hostile values: a 4xx ProblemDetails or a 2xx, never a 5xx.</summary>
[Collection(ServerCollection.Name)]
public sealed class QueryFuzzTests(ServerFixture server)
{
    private static readonly string[] Hostile =
    [
        "", " ", "0", "-1", "1", "2147483648", "-9223372036854775809", "99999999999999999999", "1e309", "NaN", "-Infinity",
        "true", "nope", "0001-01-01T00:00:00Z", "0001-01-01", "9999-12-31T23:59:59Z", "9999-12-31", "1969-12-31T23:59:59Z",
        "2026-13-45T25:61:61Z", "2026-11-26T22:00:00+14:00", "99999999d", "2147483647m", "0m", "-5h", "1d1", "1x", "m",
        "json", "html", "csv", "JSON", "../../etc/passwd", "%00", "\u0000", "🙂", "a'--", "<script>", new string('a', 5000),
    ];

    [Fact]
    public async Task NoQueryValueOfAnyRouteGivesAServerError()
    {
        // Real ids for the path parameters, so that each request reaches its handler's query checks.
        await using (var device = await Device.Connect(server, "cam-fuzz"))
        {
            await device.Publish("pax/v1/storgatan/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var view = await server.WaitForPlace("storgatan", v => v.GetProperty("openAlerts").GetArrayLength() > 0);
        var ids = new Dictionary<string, string>
        {
            ["id"] = view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()!,
            ["name"] = "admin",
        };

        var document = await server.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var tried = 0;
        var failures = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Name != "get" || !operation.Value.TryGetProperty("parameters", out var parameters))
                {
                    continue;
                }

                var query = parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList();
                if (query.Count == 0)
                {
                    continue;
                }

                // /api/places/{id}… take a place id; /api/alerts/{id}… an alert id.
                var route = path.Name.StartsWith("/api/places/", StringComparison.Ordinal)
                    ? path.Name.Replace("{id}", "storgatan", StringComparison.Ordinal)
                    : ids.Aggregate(path.Name, (p, id) => p.Replace("{" + id.Key + "}", id.Value, StringComparison.Ordinal));
                foreach (var name in query)
                {
                    foreach (var value in Hostile)
                    {
                        var uri = $"{route}?{name}={Uri.EscapeDataString(value)}";
                        tried++;
                        var response = await server.Http.GetAsync(uri);
                        if ((int)response.StatusCode >= 500)
                        {
                            failures.Add($"{uri} → {(int)response.StatusCode}");
                        }
                        else if ((int)response.StatusCode is >= 400 and < 500 && response.StatusCode != HttpStatusCode.NotFound
                            && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                        {
                            failures.Add($"{uri} → {(int)response.StatusCode} without ProblemDetails");
                        }
                    }
                }

                // Every parameter hostile at once, too: the checks of one must not lean on another's being sane.
                foreach (var value in Hostile)
                {
                    var uri = route + "?" + string.Join("&", query.Select(n => $"{n}={Uri.EscapeDataString(value)}"));
                    tried++;
                    var response = await server.Http.GetAsync(uri);
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{uri} → {(int)response.StatusCode}");
                    }
                }
            }
        }

        Assert.True(tried > 200, $"only {tried} requests: the OpenAPI document lists too few query parameters");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
    }

    [Theory]
    [InlineData("/api/places/storgatan/history?step=99999999d")]
    [InlineData("/api/places/storgatan/history?to=0001-01-01T00:00:00Z")]
    [InlineData("/api/places/storgatan/history?from=0001-01-01T00:00:00Z")]
    [InlineData("/api/reports/lagesbild?format=json&from=0001-01-01&to=0001-06-01")]
    [InlineData("/api/reports/lagesbild?format=json&to=0001-01-01")]
    public async Task TimesAndStepsOutsideWhatTheServerCanCountAreABadRequest(string uri)
    {
        var response = await server.Http.GetAsync(uri);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
