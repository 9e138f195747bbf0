using System.Runtime.InteropServices;

namespace Pax.Live.Aggregation;

/// <summary>What a place has learned about one kind in one hour of the week: Welford's running mean and variance.</summary>
public readonly record struct BaselineStats(int Count, double Mean, double Variance)
{
    /// <summary>The standard deviation, or NaN with fewer than two samples.</summary>
    public double StdDev => Count < 2 ? double.NaN : Math.Sqrt(Variance);
}

/// <summary>
/// One cell of a baseline, 10 bytes: a place's 4 × 168 cells take 6.6 KiB. Floats are precision enough for a z-score.
/// The count saturates at <see cref="MaxCount"/> (91 weeks of 5 s samples in one hour of the week); from there on a
/// sample weighs 1/<see cref="MaxCount"/> and the cell forgets exponentially, where an int would only have grown.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal struct BaselineCell
{
    public const int MaxCount = ushort.MaxValue;

    public ushort Count;
    public float Mean;
    public float M2;

    /// <summary>A count read from elsewhere (a snapshot stores an int), held to what a cell can count.</summary>
    public static ushort Saturated(int count) => (ushort)Math.Clamp(count, 0, MaxCount);

    /// <summary>Welford's update: numerically stable, O(1), no history kept.</summary>
    public void Add(double sample)
    {
        double mean = Mean;
        var delta = sample - mean;
        if (Count == MaxCount)
        {
            // Exponentially weighted from here: mean += w·δ, variance = (1 − w)(variance + w·δ²), with M2 = variance·(n − 1).
            const double w = 1.0 / MaxCount;
            Mean = (float)(mean + (w * delta));
            M2 = (float)((1 - w) * (M2 + ((MaxCount - 1) * w * delta * delta)));
            return;
        }

        Count++;
        mean += delta / Count;
        M2 = (float)(M2 + (delta * (sample - mean)));
        Mean = (float)mean;
    }

    public readonly double Variance => Count < 2 ? 0 : Math.Max(M2, 0) / (Count - 1);

    public readonly BaselineStats Stats => new(Count, Count == 0 ? double.NaN : Mean, Count < 2 ? double.NaN : Variance);
}
