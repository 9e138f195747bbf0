using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Pax.Live.LoadTool;

/// <summary>Probe impulses in flight, and how long each took to come back as <c>AlertRaised</c> and as an alert-level status.</summary>
public sealed class Probes
{
    private readonly ConcurrentDictionary<string, Probe> _open = new(StringComparer.Ordinal);
    private readonly List<double> _alertMs = [];
    private readonly List<double> _statusMs = [];
    private readonly List<(double SentAtS, double AlertMs)> _timeline = [];
    private readonly long _createdTicks = Stopwatch.GetTimestamp();
    private readonly double _createdUnixS = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    private long _sent;
    private long _windowStartTicks;

    private sealed class Probe(long sentTicks)
    {
        public long SentTicks { get; } = sentTicks;

        public int Alerted;

        public int Statused;
    }

    public long Sent => Interlocked.Read(ref _sent);

    public int Alerts
    {
        get
        {
            lock (_alertMs)
            {
                return _alertMs.Count;
            }
        }
    }

    /// <summary>From now on only probes sent from now are counted; those of the warm-up are forgotten.</summary>
    public void StartWindow()
    {
        // The count restarts before the window does, so a probe the prober sends meanwhile is either before the window
        // and not counted, or in it and counted once.
        Interlocked.Exchange(ref _sent, 0);
        Interlocked.Exchange(ref _windowStartTicks, Stopwatch.GetTimestamp());
        foreach (var list in new[] { _alertMs, _statusMs })
        {
            lock (list)
            {
                list.Clear();
            }
        }

        lock (_timeline)
        {
            _timeline.Clear();
        }
    }

    /// <summary>Call just before publishing a probe to <paramref name="placeId"/>.</summary>
    public void Sending(string placeId)
    {
        var probe = new Probe(Stopwatch.GetTimestamp());
        _open[placeId] = probe;
        if (InWindow(probe))
        {
            Interlocked.Increment(ref _sent);
        }
    }

    public void OnAlert(string placeId)
    {
        if (_open.TryGetValue(placeId, out var probe) && InWindow(probe) && Interlocked.Exchange(ref probe.Alerted, 1) == 0)
        {
            var ms = Add(_alertMs, probe);
            lock (_timeline)
            {
                _timeline.Add((_createdUnixS + Stopwatch.GetElapsedTime(_createdTicks, probe.SentTicks).TotalSeconds, ms));
            }
        }
    }

    public void OnStatus(string placeId, string level)
    {
        if (level == "alert" && _open.TryGetValue(placeId, out var probe) && InWindow(probe) && Interlocked.Exchange(ref probe.Statused, 1) == 0)
        {
            Add(_statusMs, probe);
        }
    }

    public Percentiles AlertLatency() => Percentiles.Of(_alertMs);

    public Percentiles StatusLatency() => Percentiles.Of(_statusMs);

    /// <summary>
    /// Each alerted probe as "Unix time it was sent (s), publish → AlertRaised in ms", in the order they arrived: slow
    /// probes that come in step (every 10 s, every minute) point at periodic work, scattered ones at contention.
    /// </summary>
    public async Task WriteTimeline(string path)
    {
        string[] lines;
        lock (_timeline)
        {
            lines = [.. _timeline.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.SentAtS:F3} {t.AlertMs:F2}"))];
        }

        await File.WriteAllLinesAsync(path, lines);
    }

    private bool InWindow(Probe probe) => probe.SentTicks >= Interlocked.Read(ref _windowStartTicks);

    private static double Add(List<double> into, Probe probe)
    {
        var ms = Stopwatch.GetElapsedTime(probe.SentTicks).TotalMilliseconds;
        lock (into)
        {
            into.Add(ms);
        }

        return ms;
    }
}

/// <summary>Latency percentiles in milliseconds.</summary>
public sealed record Percentiles(int Count, double P50, double P99, double P999, double Max)
{
    public static Percentiles Of(List<double> samples)
    {
        double[] sorted;
        lock (samples)
        {
            sorted = [.. samples];
        }

        Array.Sort(sorted);
        double At(double q) => sorted.Length == 0 ? double.NaN : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 2);
        return new Percentiles(sorted.Length, At(0.5), At(0.99), At(0.999), sorted.Length == 0 ? double.NaN : Math.Round(sorted[^1], 2));
    }
}
