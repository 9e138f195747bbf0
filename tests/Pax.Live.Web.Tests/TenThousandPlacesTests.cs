using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>
/// The control room with 10,000 places: a server of its own seeded from a catalogue file, the collection's Chromium.
/// Measures the time from navigation start to the list's first rows and the map's markers, and the page's frames while
/// 1,000 places change level at once; writes the figures to the test output and to <c>artifacts/ten-thousand-places.json</c>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class TenThousandPlacesTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private const int PlaceCount = 10_000;
    private const int Changing = 1_000;
    private const int Areas = 20;
    private const string Operator = "operator-big";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static string PlaceId(int i) => $"p-{i:00000}";

    // Every tenth place changes: spread over the list's order and over the map.
    private static IEnumerable<int> ChangingPlaces() => Enumerable.Range(0, Changing).Select(i => i * 10);

    /// <summary>Before the page opens: records per animation frame, long tasks, and when the list and the map first show places.</summary>
    private const string Probe = """
        (() => {
          window.__frames = [];
          window.__longTasks = [];
          const shown = () => document.querySelector('#place-list [data-place]') && document.querySelector('.place-marker, .place-cluster');
          const live = () => document.querySelector('#connection')?.dataset.state === 'connected';
          const look = () => {
            if (window.__firstRender === undefined && shown()) window.__firstRender = performance.now();
            if (window.__firstRender !== undefined && live()) window.__live = performance.now();
            else requestAnimationFrame(look);
          };
          requestAnimationFrame(look);
          try {
            new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
              .observe({ type: 'longtask', buffered: true });
          } catch { /* no long task timing: none are counted */ }
          window.__recordFrames = () => {
            window.__frames = [];
            window.__longTasks = [];
            window.__recording = true;
            let last = performance.now();
            const tick = (now) => {
              if (!window.__recording) return;
              window.__frames.push(now - last);
              last = now;
              requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
            // Stops, and counts the frame still waiting to be drawn: a page blocked to the end has one long frame.
            window.__stopFrames = () => {
              window.__recording = false;
              window.__frames.push(performance.now() - last);
              return window.__frames.slice(1);
            };
          };
        })();
        """;

    [Fact]
    public async Task ABoardOfTenThousandPlacesShowsQuicklyAndKeepsItsFramesShortWhileAThousandChangeLevel()
    {
        var seed = Path.Combine(Path.GetTempPath(), $"pax-big-board-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(seed, JsonSerializer.Serialize(Enumerable.Range(0, PlaceCount).Select(i => new
        {
            id = PlaceId(i),
            name = $"Plats {i:00000}",
            kind = "torg",
            area = $"zon-{i % Areas:00}",
            latitude = 59.20 + (i / 100) * 0.0015,
            longitude = 15.10 + (i % 100) * 0.003,
        })));
        await using var server = new ServerProcess(ServerProcess.NewTempDirectory("pax-big-board"),
            $"--Pax:Catalog:SeedFile={seed}", "--Pax:Catalog:SitePlanSeedFile=", "--Logging:LogLevel:Default=Warning");
        try
        {
            await server.Start();
            (await server.Http.PutAsJsonAsync($"/api/users/{Operator}", new { role = "operator", areas = Array.Empty<string>(), password = BrowserFixture.Password }))
                .EnsureSuccessStatusCode();

            // Every place's grain is activated before the page asks: the figure is the browser's, not a cold server's.
            var warm = Stopwatch.StartNew();
            (await server.Http.GetAsync("/api/places")).EnsureSuccessStatusCode();
            var placesApiMs = warm.Elapsed.TotalMilliseconds;

            // The changing places start calm (tamper 0) and turn elevated (tamper 1) during the measurement.
            await using var devices = await Device.Connect(server, "big-board-devices");
            await Task.WhenAll(ChangingPlaces().Select(i => devices.Publish($"pax/v1/{PlaceId(i)}/cam-{i}/signals", Device.Signals(Device.Now, ("tamper", 0)))));
            await server.WaitForPlace(PlaceId(10 * (Changing - 1)), v => v.GetProperty("level").GetString() == "calm");

            await using var control = await Pages.ControlRoom(fixture.Browser);
            await control.AddInitScriptAsync(Probe);
            var board = await control.NewPageAsync();
            var watch = new PageWatch(board);
            var slow = new LocatorAssertionsToHaveAttributeOptions { Timeout = 600_000 };
            await board.GotoAsync(server.BaseAddress.ToString());
            await board.Locator("#login input[name=username]").FillAsync(Operator);
            await board.Locator("#login input[name=password]").FillAsync(BrowserFixture.Password);
            await board.Locator("#login button[type=submit]").ClickAsync();
            await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", slow);

            // Signed in: the figure is a reload's, from navigation start to places in the list and on the map.
            await board.ReloadAsync();
            await board.WaitForFunctionAsync("() => window.__firstRender !== undefined", null, new() { Timeout = 180_000, PollingInterval = 50 });
            var firstRenderMs = await board.EvaluateAsync<double>("() => window.__firstRender");

            // Live: every place's status taken in (the hub's Watch) and the connection shown as connected.
            await board.WaitForFunctionAsync("() => window.__live !== undefined", null, new() { Timeout = 600_000, PollingInterval = 100 });
            var liveMs = await board.EvaluateAsync<double>("() => window.__live");
            await board.WaitForTimeoutAsync(2_000);
            await Pages.Screenshot(board, "ten-thousand-places.png");

            // 1,000 places change level at once; the page's frames are recorded for five seconds from the first publish.
            await board.EvaluateAsync("() => window.__recordFrames()");
            var published = Stopwatch.StartNew();
            await Task.WhenAll(ChangingPlaces().Select(i => devices.Publish($"pax/v1/{PlaceId(i)}/cam-{i}/signals", Device.Signals(Device.Now, ("tamper", 1)))));
            var publishMs = published.Elapsed.TotalMilliseconds;
            await board.WaitForTimeoutAsync(Math.Max(0, 5_000 - (int)published.ElapsedMilliseconds));
            var frames = await board.EvaluateAsync<double[]>("() => window.__stopFrames()");
            var longTasks = await board.EvaluateAsync<double[]>("() => window.__longTasks.slice()");
            var rows = await board.Locator("#place-list > li").CountAsync();
            var mapShapes = await board.Locator("#map .leaflet-overlay-pane path, #map .leaflet-marker-pane > *").CountAsync();

            Array.Sort(frames);
            var figures = new Dictionary<string, object>
            {
                ["places"] = PlaceCount,
                ["changing"] = Changing,
                ["placesApiMs"] = Math.Round(placesApiMs),
                ["firstRenderMs"] = Math.Round(firstRenderMs),
                ["liveMs"] = Math.Round(liveMs),
                ["publishMs"] = Math.Round(publishMs),
                ["frames"] = frames.Length,
                ["frameP50Ms"] = Math.Round(Percentile(frames, 0.50), 1),
                ["frameP95Ms"] = Math.Round(Percentile(frames, 0.95), 1),
                ["frameMaxMs"] = Math.Round(frames.Length > 0 ? frames[^1] : double.NaN, 1),
                ["longTasks"] = longTasks.Length,
                ["longTasksTotalMs"] = Math.Round(longTasks.Sum()),
                ["longTaskMaxMs"] = Math.Round(longTasks.Length > 0 ? longTasks.Max() : 0),
                ["listRowsInDom"] = rows,
                ["mapShapesInDom"] = mapShapes,
            };
            var text = JsonSerializer.Serialize(figures, Indented);
            output.WriteLine(text);
            await File.WriteAllTextAsync(Path.Combine(BrowserFixture.Artifacts, "ten-thousand-places.json"), text);

            Assert.True(firstRenderMs < 5_000, $"first render took {firstRenderMs:0} ms");
            Assert.True(liveMs < 10_000, $"the board was live after {liveMs:0} ms");
            Assert.True(frames.Length >= 50, $"only {frames.Length} frames in five seconds");
            Assert.True(Percentile(frames, 0.95) < 100, $"p95 frame {Percentile(frames, 0.95):0} ms");
            Assert.True(rows < 200, $"{rows} list rows in the DOM");
            Assert.True(mapShapes < 1_000, $"{mapShapes} shapes on the map");

            // The list still is the whole list, in order: elevated first, then unknown by name; a filter narrows it.
            var first = board.Locator("#place-list > li[aria-posinset='1']");
            await Expect(first).ToHaveAttributeAsync("data-level", "elevated");
            await Expect(first).ToHaveAttributeAsync("data-place", PlaceId(0));
            await Expect(first).ToHaveAttributeAsync("aria-setsize", PlaceCount.ToString(CultureInfo.InvariantCulture));

            // By keyboard: the next row, then the last of 10,000, which is brought into the DOM and focused.
            await first.Locator("button").FocusAsync();
            await board.Keyboard.PressAsync("ArrowDown");
            await Expect(board.Locator("#place-list > li[aria-posinset='2'] button")).ToBeFocusedAsync();
            await board.Keyboard.PressAsync("End");
            var last = board.Locator($"#place-list > li[aria-posinset='{PlaceCount}']");
            await Expect(last.Locator("button")).ToBeFocusedAsync();
            await Expect(last).ToHaveAttributeAsync("data-level", "unknown");

            await board.Locator("#filter-area").SelectOptionAsync("zon-03");
            await Expect(first).ToHaveAttributeAsync("aria-setsize", (PlaceCount / Areas).ToString(CultureInfo.InvariantCulture));
            await Expect(first).ToHaveAttributeAsync("data-place", PlaceId(3));
            await Expect(first).ToHaveAttributeAsync("data-level", "unknown");
            await board.Locator("#filter-area").SelectOptionAsync("");

            // A cluster says how many places it holds and has its worst level's colour; clicking it zooms in, so that
            // fewer places are in view.
            const string InView = "() => [...document.querySelectorAll('.place-cluster')].reduce((n, c) => n + Number(c.textContent), 0) + document.querySelectorAll('.place-marker').length";
            var inView = await board.EvaluateAsync<int>(InView);
            Assert.True(await board.Locator(".place-cluster").CountAsync() > 0, "no clusters on the map");
            await Expect(board.Locator(".place-cluster.marker-elevated").First).ToBeVisibleAsync();
            var target = await board.EvaluateAsync<double[]>(
                @"() => {
                  const map = document.querySelector('#map').getBoundingClientRect();
                  const mid = [map.left + map.width / 2, map.top + map.height / 2];
                  const centres = [...document.querySelectorAll('.place-cluster')].map((c) => c.getBoundingClientRect()).map((r) => [r.left + r.width / 2, r.top + r.height / 2]);
                  centres.sort((a, b) => Math.hypot(a[0] - mid[0], a[1] - mid[1]) - Math.hypot(b[0] - mid[0], b[1] - mid[1]));
                  return centres[0];
                }");
            await board.Mouse.ClickAsync((float)target[0], (float)target[1]);
            await board.WaitForFunctionAsync($"() => ({InView})() < {inView}", null, new() { Timeout = 20_000 });
            watch.AssertClean();
        }
        finally
        {
            File.Delete(seed);
            await server.Stop();
            Directory.Delete(server.DataDirectory, recursive: true);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
