using System.Collections.Concurrent;
using System.Diagnostics;

namespace Pax.Live.LoadTool;

/// <summary>Probe impulses in flight, and how long each took to come back as <c>AlertRaised</c> and as an alert-level status.</summary>
public sealed class Probes
{
    private readonly ConcurrentDictionary<string, Probe> _open = new(StringComparer.Ordinal);
    private readonly List<double> _alertMs = [];
    private readonly List<double> _statusMs = [];
    private long _sent;

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

    /// <summary>Call just before publishing a probe to <paramref name="placeId"/>.</summary>
    public void Sending(string placeId)
    {
        _open[placeId] = new Probe(Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _sent);
    }

    public void OnAlert(string placeId)
    {
        if (_open.TryGetValue(placeId, out var probe) && Interlocked.Exchange(ref probe.Alerted, 1) == 0)
        {
            Add(_alertMs, probe);
        }
    }

    public void OnStatus(string placeId, string level)
    {
        if (level == "alert" && _open.TryGetValue(placeId, out var probe) && Interlocked.Exchange(ref probe.Statused, 1) == 0)
        {
            Add(_statusMs, probe);
        }
    }

    public Percentiles AlertLatency() => Percentiles.Of(_alertMs);

    public Percentiles StatusLatency() => Percentiles.Of(_statusMs);

    private static void Add(List<double> into, Probe probe)
    {
        var ms = Stopwatch.GetElapsedTime(probe.SentTicks).TotalMilliseconds;
        lock (into)
        {
            into.Add(ms);
        }
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
