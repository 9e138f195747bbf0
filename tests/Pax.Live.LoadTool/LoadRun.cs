using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.LoadTool;

/// <summary>The result of a run, as one line and as JSON.</summary>
public sealed record LoadSummary(
    int Devices,
    int IdleDevices,
    int Places,
    int TargetMessagesPerSecond,
    int SignalsPerMessage,
    int Seconds,
    double SentMessagesPerSecond,
    double AcceptedMessagesPerSecond,
    double AcceptedSignalsPerSecond,
    long DroppedMessages,
    long RejectedOther,
    long PublishFailures,
    long ProbesSent,
    long AlertsReceived,
    long AlertsLost,
    Percentiles AlertRaisedMs,
    Percentiles StatusChangedMs,
    double ServerPeakRssMiB,
    double CeilingMessagesPerSecond,
    double CeilingPeakRssMiB,
    double PipelineToCeiling,
    ServerRuntime? Runtime,
    Percentiles CeilingProbeMs,
    bool Pinned,
    double ServerCpuUsPerMessage,
    double CeilingCpuUsPerMessage,
    double GeneratorCores,
    double CeilingGeneratorCores)
{
    /// <summary>The server's CPU per accepted message over the bare broker's, in the same run: moves with the code, not the machine.</summary>
    public double CpuRatio => Math.Round(ServerCpuUsPerMessage / CeilingCpuUsPerMessage, 2);

    public string Line() => string.Create(
        CultureInfo.InvariantCulture,
        $"pax-load: {Devices} devices (+{IdleDevices} idle), {Places} places, target {TargetMessagesPerSecond} msg/s × {SignalsPerMessage}, {Seconds} s | " +
        $"accepted {AcceptedMessagesPerSecond:F0} msg/s = {AcceptedSignalsPerSecond:F0} signals/s (sent {SentMessagesPerSecond:F0}), dropped {DroppedMessages}, " +
        $"alerts {AlertsReceived}/{ProbesSent} lost {AlertsLost}, AlertRaised p50 {AlertRaisedMs.P50} p99 {AlertRaisedMs.P99} p99.9 {AlertRaisedMs.P999} ms, " +
        $"status p50 {StatusChangedMs.P50} p99 {StatusChangedMs.P99} ms | server peak RSS {ServerPeakRssMiB:F0} MiB | " +
        $"ceiling {CeilingMessagesPerSecond:F0} msg/s (probe publish→broker p50 {CeilingProbeMs.P50} p99 {CeilingProbeMs.P99} p99.9 {CeilingProbeMs.P999} ms), " +
        $"pipeline/ceiling {PipelineToCeiling:F2}") + Environment.NewLine + CpuLine() +
        (Runtime is { } r ? Environment.NewLine + r.Line() + Environment.NewLine + r.SoakLine() : "");

    private string CpuLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"pax-load cpu{(Pinned ? " (server and broker pinned to CPU 0)" : "")}: server {ServerCpuUsPerMessage:F1} µs, bare broker {CeilingCpuUsPerMessage:F1} µs per accepted message, ratio {CpuRatio:F2} | this tool kept {GeneratorCores:F2} cores busy ({CeilingGeneratorCores:F2} in the ceiling pass)");
}

/// <summary>
/// The server's own view of the measured window (from <c>GET /api/debug/runtime</c>): garbage collections and their
/// pauses, the thread pool, live places, the managed heap after a full collection at the end, and where the probe
/// alerts' time went inside the server.
/// </summary>
public sealed record ServerRuntime(
    string GcMode,
    int Gen0,
    int Gen1,
    int Gen2,
    double GcPauseMs,
    double MaxThreadPoolQueue,
    long ActivePlaces,
    double WorkingSetMiB,
    double HeapAfterFullGcMiB,
    double GcCommittedMiB,
    Percentiles ProbeToGrainMs,
    Percentiles AlertSaveMs,
    Percentiles AlertDeliverMs,
    Percentiles AlertStoreMs,
    double CpuUsPerMessage = double.NaN,
    double AllocatedBytesPerMessage = double.NaN,
    double HeapAfterWarmupMiB = double.NaN,
    double WorkingSetAfterWarmupMiB = double.NaN,
    int ErrorLines = 0)
{
    /// <summary>Growth of the live heap (after a full collection) from early in the window to its end, in per cent.</summary>
    public double HeapGrowthPercent => Math.Round(100 * (HeapAfterFullGcMiB - HeapAfterWarmupMiB) / HeapAfterWarmupMiB, 1);

    /// <summary>Growth of the working set over the same span, in per cent.</summary>
    public double WorkingSetGrowthPercent => Math.Round(100 * (WorkingSetMiB - WorkingSetAfterWarmupMiB) / WorkingSetAfterWarmupMiB, 1);

    /// <summary>The soak's figures: memory early in the window and at its end, and the server's error lines.</summary>
    public string SoakLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"pax-load soak: live heap after full GC {HeapAfterWarmupMiB:F0} → {HeapAfterFullGcMiB:F0} MiB ({HeapGrowthPercent:+0.0;-0.0} %), " +
        $"working set {WorkingSetAfterWarmupMiB:F0} → {WorkingSetMiB:F0} MiB ({WorkingSetGrowthPercent:+0.0;-0.0} %), server error lines {ErrorLines}");

    public string Line() => string.Create(
        CultureInfo.InvariantCulture,
        $"pax-load server: {CpuUsPerMessage:F1} µs of CPU and {AllocatedBytesPerMessage:F0} B allocated per accepted message | " +
        $"{GcMode} GC, in the window gen0/1/2 {Gen0}/{Gen1}/{Gen2}, pause {GcPauseMs:F0} ms, max thread-pool queue {MaxThreadPoolQueue} | " +
        $"{ActivePlaces} places active, working set {WorkingSetMiB:F0} MiB, live heap after full GC {HeapAfterFullGcMiB:F0} MiB (committed {GcCommittedMiB:F0}) | " +
        $"alert stages p50/p99 ms: publish→grain {ProbeToGrainMs.P50}/{ProbeToGrainMs.P99}, store and announce {AlertDeliverMs.P50}/{AlertDeliverMs.P99} (of which the store {AlertStoreMs.P50}/{AlertStoreMs.P99}), place snapshot after {AlertSaveMs.P50}/{AlertSaveMs.P99}");
}

/// <summary>The part of the server's runtime document the load tool reads.</summary>
public sealed record RuntimeDoc(
    double WorkingSetMiB, double GcHeapSizeMiB, double GcCommittedMiB, int Gen0Collections, int Gen1Collections, int Gen2Collections,
    double GcPauseTotalMs, string GcMode, long ThreadPoolQueueLength, long ActivePlaces, double CpuMs, long AllocatedBytes, AlertStagesDoc Alerts);

/// <summary>The alert stages in the runtime document.</summary>
public sealed record AlertStagesDoc(long Count, double[] ToGrainMs, double[] SaveMs, double[] DeliverMs, double[] StoreMs);

/// <summary>One run: the pipeline pass against the real server, then the ceiling pass against a counting broker.</summary>
public static class LoadRun
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<LoadSummary> Run(LoadOptions o, CancellationToken ct)
    {
        if (o.Pin)
        {
            // The server and the bare broker get ServerCpu; this process, its devices and watchers the rest.
            if (Environment.ProcessorCount < 2 || !OperatingSystem.IsLinux())
            {
                throw new InvalidOperationException("--pin needs Linux (taskset) and at least two CPUs.");
            }

            Process.GetCurrentProcess().ProcessorAffinity = (nint)(((1L << Environment.ProcessorCount) - 1) & ~(1L << ServerCpu));
        }

        var pipeline = o.NoPipeline ? null : await Pipeline(o, ct);
        var none = new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var (ceilingRate, ceilingRss, ceilingProbes, ceilingCpu, ceilingGenerator) = o.NoCeiling ? (double.NaN, double.NaN, none, double.NaN, double.NaN) : await Ceiling(o, ct);
        var p = pipeline ?? new PipelineResult(0, 0, 0, 0, 0, 0, 0, none, none, double.NaN);
        return new LoadSummary(
            o.Devices, o.Idle, o.Places, o.Rate, o.Signals, o.Seconds,
            Math.Round(p.Sent, 1), Math.Round(p.Accepted, 1), Math.Round(p.Accepted * o.Signals, 1),
            p.Dropped, p.RejectedOther, p.Failures, p.ProbesSent, p.Alerts, p.ProbesSent - p.Alerts,
            p.AlertLatency, p.StatusLatency, Math.Round(p.PeakRssMiB, 1),
            Math.Round(ceilingRate, 1), Math.Round(ceilingRss, 1), Math.Round(p.Accepted / ceilingRate, 3), p.Runtime, ceilingProbes,
            o.Pin, Math.Round(p.CpuUsPerMessage, 1), Math.Round(ceilingCpu, 1), Math.Round(p.GeneratorCores, 2), Math.Round(ceilingGenerator, 2));
    }

    /// <summary>The CPU the pinned server and bare broker run on.</summary>
    private const int ServerCpu = 0;

    private static int? PinnedCpu(LoadOptions o) => o.Pin ? ServerCpu : null;

    /// <summary>CPU µs per message of a child over a window.</summary>
    private static double CpuUsPerMessage(Window window) =>
        1000 * (window.CpuMsAfter - window.CpuMsBefore) / Math.Max(1, window.After.Accepted - window.Before.Accepted);

    private sealed record PipelineResult(
        double Sent, double Accepted, long Dropped, long RejectedOther, long Failures, long ProbesSent, long Alerts,
        Percentiles AlertLatency, Percentiles StatusLatency, double PeakRssMiB, ServerRuntime? Runtime = null, double CpuUsPerMessage = double.NaN,
        double GeneratorCores = double.NaN);

    private sealed record Stats(long Accepted, Dictionary<string, long> Rejected);

    private static async Task<PipelineResult> Pipeline(LoadOptions o, CancellationToken ct)
    {
        int httpPort = TestPorts.Claim(), mqttPort = TestPorts.Claim();

        // The places go in as the server's seed file: one catalogue write, where a PUT per place rewrites it each time.
        var seed = Path.Combine(Path.GetTempPath(), $"pax-load-places-{Environment.ProcessId}.json");
        await File.WriteAllTextAsync(seed, JsonSerializer.Serialize(
            Enumerable.Range(0, o.Places).Select(i => new { id = Fleet.PlaceId(i), name = $"Load {i}", kind = "torg", latitude = 59.27, longitude = 15.21 }),
            Json), ct);
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"pax-load-data-{Environment.ProcessId}");
        using var server = ChildProcess.Start("dotnet", [
            "exec", o.ServerDll ?? Repository.ServerDll,
            "--urls", $"http://127.0.0.1:{httpPort}",
            "--Pax:Mqtt:BindAddress=127.0.0.1", $"--Pax:Mqtt:Port={mqttPort}",
            $"--Pax:Orleans:SiloPort={TestPorts.Claim()}", $"--Pax:Orleans:GatewayPort={TestPorts.Claim()}",
            $"--Pax:Catalog:SeedFile={seed}",
            // Probes go round the places; a short hold lets each place raise a new alert when its turn comes again.
            "--Pax:Levels:CauseHold=00:00:05",
            $"--Pax:DataDirectory={dataDirectory}",
            $"--Pax:Auth:AdminPassword={AdminPassword}",

            // The load devices publish as anonymous lab clients without a per-device budget: this measures the
            // pipeline, and device sign-in costs once per connection, not per message.
            "--Pax:Mqtt:AllowAnonymous=true", "--Pax:Mqtt:MessagesPerSecond=0",
            "--Logging:LogLevel:Default=Warning",
        ], PinnedCpu(o));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        await WaitHealthy(http, server, ct);
        File.Delete(seed);
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = AdminPassword }, ct);
        login.EnsureSuccessStatusCode();
        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Console.Error.WriteLine($"server up (pid {server.Id}) with {o.Places} places");

        var probes = new Probes();
        // One watcher per 2,000 places, so that no single Watch call has to gather 100,000 statuses within the hub's
        // client timeout; with fewer places one watcher watches every place. (The hub lets a client list 10,000, but a
        // list of more than about 2,400 of these ids exceeds SignalR's default 32 KB message limit and the server
        // closes the connection.)
        const int PerWatcher = 2_000;
        var watchers = new List<HubConnection>();
        await using var closeWatchers = new AsyncDisposables(watchers);
        for (var first = 0; first < Math.Max(1, o.Places); first += o.Places <= 10_000 ? int.MaxValue : PerWatcher)
        {
            var watcher = new HubConnectionBuilder()
                .WithUrl(new Uri(http.BaseAddress!, "/hubs/live"), c => c.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .WithServerTimeout(TimeSpan.FromMinutes(10))
                .Build();
            watcher.On<JsonElement>("AlertRaised", e =>
            {
                probes.OnAlert(e.GetProperty("placeId").GetString()!);

                // An alert stays open until someone resolves it; resolve the probe's so its place can raise the next one.
                _ = http.PostAsJsonAsync(
                    $"/api/alerts/{e.GetProperty("alertId").GetString()}/resolve", new { outcome = "no-action-needed", note = "load probe" }, CancellationToken.None);
            });
            watcher.On<JsonElement>("PlaceStatusChanged", e => probes.OnStatus(e.GetProperty("placeId").GetString()!, e.GetProperty("level").GetString()!));
            watchers.Add(watcher);
        }

        Console.Error.WriteLine($"connecting {o.Devices} devices and {o.Idle} idle ones");
        await using var fleet = await Fleet.Connect("127.0.0.1", mqttPort, o.Devices, o.Places, o.Idle, o.Signals, ct);

        // Every place hears one message first, so that watching every place finds them active: activating 100,000
        // places inside the hub's Watch call outlasts the hub's client timeout (a hub method in progress holds the
        // connection's messages, pings included).
        var primeStarted = Stopwatch.GetTimestamp();
        await fleet.Prime(ct);
        while (!ct.IsCancellationRequested && (await ReadRuntime(http, collect: false, alertsAfter: null)).ActivePlaces < o.Places
            && Stopwatch.GetElapsedTime(primeStarted) < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(500, ct);
        }

        Console.Error.WriteLine($"every place active after {Stopwatch.GetElapsedTime(primeStarted).TotalSeconds:F1} s");
        var watchStarted = Stopwatch.GetTimestamp();
        for (var w = 0; w < watchers.Count; w++)
        {
            await watchers[w].StartAsync(ct);
            var ids = watchers.Count == 1
                ? []
                : Enumerable.Range(w * PerWatcher, Math.Min(PerWatcher, o.Places - (w * PerWatcher))).Select(Fleet.PlaceId).ToArray();
            await watchers[w].InvokeAsync<JsonElement[]>("Watch", ids, ct);
        }

        Console.Error.WriteLine($"watching every place: {Stopwatch.GetElapsedTime(watchStarted).TotalSeconds:F1} s to get their status");

        Window measured;
        RuntimeDoc? atWindowStart = null;
        var maxQueue = 0L;
        RuntimeDoc? early = null;
        var earlyAt = Stopwatch.GetTimestamp() + (long)((o.Warmup + Math.Min(60, o.Seconds / 5.0)) * Stopwatch.Frequency);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            // The thread pool's queue is sampled through the window: a growing queue is starvation, not the network.
            // With --soak, once a minute into the window (a fifth of a short one), the memory the end is compared with: a
            // forced full collection stalls the server, so a run that measures latency leaves it out.
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    if (o.Soak && early is null && Stopwatch.GetTimestamp() >= earlyAt)
                    {
                        early = await ReadRuntime(http, collect: true, alertsAfter: null);
                    }

                    maxQueue = Math.Max(maxQueue, (await ReadRuntime(http, collect: false, alertsAfter: null)).ThreadPoolQueueLength);
                    await Task.Delay(500, sampling.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
                {
                }
            }
        }, CancellationToken.None);
        try
        {
            measured = await Measure(o, fleet, probes, () => ReadStats(http), server, ct,
                windowStarts: async () => atWindowStart = await ReadRuntime(http, collect: false, alertsAfter: null));
        }
        finally
        {
            if (o.ServerLog is { } log)
            {
                await File.WriteAllTextAsync(log, server.Output, CancellationToken.None);
            }

            if (server.HasExited)
            {
                Console.Error.WriteLine("The server exited during the run:\n" + server.Output);
            }
        }

        var (before, after) = (measured.Before, measured.After);

        // Alerts still on their way get a few seconds to arrive before they count as lost.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (probes.Alerts < probes.Sent && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, CancellationToken.None);
        }

        await sampling.CancelAsync();
        await sampler;
        if (o.ProbeLog is { } probeLog)
        {
            await probes.WriteTimeline(probeLog);
        }

        var runtimeBefore = atWindowStart ?? throw new InvalidOperationException("The measured window never started.");
        var runtimeAfter = await ReadRuntime(http, collect: false, alertsAfter: runtimeBefore.Alerts.Count);
        var acceptedMessages = Math.Max(1, measured.After.Accepted - measured.Before.Accepted);
        var collected = await ReadRuntime(http, collect: true, alertsAfter: null);
        var runtime = new ServerRuntime(
            runtimeAfter.GcMode,
            runtimeAfter.Gen0Collections - runtimeBefore.Gen0Collections,
            runtimeAfter.Gen1Collections - runtimeBefore.Gen1Collections,
            runtimeAfter.Gen2Collections - runtimeBefore.Gen2Collections,
            Math.Round(runtimeAfter.GcPauseTotalMs - runtimeBefore.GcPauseTotalMs, 1),
            maxQueue,
            runtimeAfter.ActivePlaces,
            Math.Round(runtimeAfter.WorkingSetMiB, 1),
            Math.Round(collected.GcHeapSizeMiB, 1),
            Math.Round(collected.GcCommittedMiB, 1),
            Percentiles.Of([.. runtimeAfter.Alerts.ToGrainMs]),
            Percentiles.Of([.. runtimeAfter.Alerts.SaveMs]),
            Percentiles.Of([.. runtimeAfter.Alerts.DeliverMs]),
            Percentiles.Of([.. runtimeAfter.Alerts.StoreMs]),
            Math.Round(1000 * (runtimeAfter.CpuMs - runtimeBefore.CpuMs) / acceptedMessages, 1),
            Math.Round((double)(runtimeAfter.AllocatedBytes - runtimeBefore.AllocatedBytes) / acceptedMessages),
            Math.Round(early?.GcHeapSizeMiB ?? double.NaN, 1),
            Math.Round(early?.WorkingSetMiB ?? double.NaN, 1),
            server.Output.Split('\n').Count(line => line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)));
        var rss = server.PeakRssMiB();
        var rejectedOther = after.Rejected.Where(r => r.Key != "overload").Sum(r => r.Value) - before.Rejected.Where(r => r.Key != "overload").Sum(r => r.Value);
        return new PipelineResult(
            measured.SentRate,
            (after.Accepted - before.Accepted) / measured.Seconds,
            after.Rejected.GetValueOrDefault("overload") - before.Rejected.GetValueOrDefault("overload"),
            rejectedOther,
            fleet.Failed,
            probes.Sent,
            probes.Alerts,
            probes.AlertLatency(),
            probes.StatusLatency(),
            rss,
            runtime,
            CpuUsPerMessage(measured),
            measured.GeneratorCores);

        static async Task<RuntimeDoc> ReadRuntime(HttpClient client, bool collect, long? alertsAfter) =>
            (await client.GetFromJsonAsync<RuntimeDoc>(
                $"/api/debug/runtime?collect={(collect ? "true" : "false")}" + (alertsAfter is { } n ? $"&alertsAfter={n}" : ""), Json, CancellationToken.None))!;

        async Task<Stats> ReadStats(HttpClient client) => (await client.GetFromJsonAsync<Stats>("/api/ingest/stats", Json, CancellationToken.None))!;
    }

    private sealed record Window(double SentRate, double Seconds, Stats Before, Stats After, double CpuMsBefore, double CpuMsAfter, double GeneratorCpuMs)
    {
        /// <summary>How many cores this tool (devices, probes, watchers) kept busy: near its share, its own timings are not to be trusted.</summary>
        public double GeneratorCores => GeneratorCpuMs / (1000 * Seconds);
    }

    /// <summary>Warms up, then publishes for the measured seconds, reading the consumer's count at both ends; probes (pipeline pass only) run meanwhile.</summary>
    private const string AdminPassword = "pax-load-admin";

    private static async Task<Window> Measure(
        LoadOptions o, Fleet fleet, Probes? probes, Func<Task<Stats>> snapshot, ChildProcess consumer, CancellationToken ct, Func<Task>? windowStarts = null)
    {
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = fleet.Run(o.Rate, publishing.Token);

        // Probes go out through the warm-up too, so that the alert path is as warm as the readings' path when the window
        // opens (its first alerts otherwise pay for the JIT and the first feed and alert activations); only the
        // window's probes are counted.
        using var probing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var prober = probes is not null && o.Probes > 0 ? Probe(o, fleet, probes, probing.Token) : Task.CompletedTask;
        await Task.Delay(TimeSpan.FromSeconds(o.Warmup), ct);
        if (windowStarts is not null)
        {
            await windowStarts();
        }

        var before = await snapshot();
        var cpuBefore = consumer.CpuMs();
        var generatorBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var sentBefore = fleet.Sent;
        probes?.StartWindow();
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(o.Seconds), ct);
        await probing.CancelAsync();
        await prober;
        var after = await snapshot();
        var cpuAfter = consumer.CpuMs();
        var generatorCpu = (Process.GetCurrentProcess().TotalProcessorTime - generatorBefore).TotalMilliseconds;
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sent = fleet.Sent - sentBefore;
        await publishing.CancelAsync();
        await run;
        return new Window(sent / seconds, seconds, before, after, cpuBefore, cpuAfter, generatorCpu);
    }

    private static async Task Probe(LoadOptions o, Fleet fleet, Probes probes, CancellationToken ct)
    {
        var interval = TimeSpan.FromSeconds(1.0 / o.Probes);
        var place = 0;
        while (!ct.IsCancellationRequested)
        {
            var id = Fleet.PlaceId(place);
            probes.Sending(id);
            try
            {
                await fleet.Probe(place, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
            {
                // Counted: a probe that never reached the broker is a lost alert.
                Console.Error.WriteLine($"probe to {id} failed: {ex.Message}");
            }

            place = (place + 1) % o.Places;
            try
            {
                await Task.Delay(interval, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The ceiling pass: the same fleet and probes against a counting broker. Besides its rate it gives the transport's
    /// own latency for the probes (publish → the broker hands the message to its consumer) at the same load.
    /// </summary>
    private static async Task<(double Rate, double PeakRssMiB, Percentiles ProbeMs, double CpuUsPerMessage, double GeneratorCores)> Ceiling(LoadOptions o, CancellationToken ct)
    {
        var port = TestPorts.Claim();
        var self = typeof(LoadRun).Assembly.Location;
        using var broker = ChildProcess.Start("dotnet", ["exec", self, "ceiling-broker", port.ToString(CultureInfo.InvariantCulture)], PinnedCpu(o));
        await broker.WaitForLine("ready", TimeSpan.FromSeconds(30));
        Console.Error.WriteLine($"ceiling broker up (pid {broker.Id}); connecting {o.Devices} devices and {o.Idle} idle ones");
        await using var fleet = await Fleet.Connect("127.0.0.1", port, o.Devices, o.Places, o.Idle, o.Signals, ct);
        var window = await Measure(o, fleet, new Probes(), () => Task.FromResult(new Stats(broker.LastCount, [])), broker, ct);
        var rss = broker.PeakRssMiB();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        return ((window.After.Accepted - window.Before.Accepted) / window.Seconds, rss, Percentiles.Of(broker.ProbeMs), CpuUsPerMessage(window), window.GeneratorCores);
    }

    private static async Task WaitHealthy(HttpClient http, ChildProcess server, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException("The server exited:\n" + server.Output);
            }

            try
            {
                if ((await http.GetAsync("/healthz", ct)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250, ct);
        }

        throw new TimeoutException("The server did not become healthy:\n" + server.Output);
    }
}

/// <summary>Disposes hub connections at the end of a pass.</summary>
internal sealed class AsyncDisposables(List<HubConnection> connections) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }
    }
}
