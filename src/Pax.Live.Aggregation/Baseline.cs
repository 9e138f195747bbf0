namespace Pax.Live.Aggregation;

/// <summary>What a place has learned about one kind in one hour of the week: Welford's running mean and variance.</summary>
public readonly record struct BaselineStats(int Count, double Mean, double Variance)
{
    /// <summary>The standard deviation, or NaN with fewer than two samples.</summary>
    public double StdDev => Count < 2 ? double.NaN : Math.Sqrt(Variance);
}

/// <summary>One cell of a baseline. Floats keep a place's 4 × 168 cells at 8 KiB; a z-score needs no more precision.</summary>
internal struct BaselineCell
{
    public int Count;
    public float Mean;
    public float M2;

    /// <summary>Welford's update: numerically stable, O(1), no history kept.</summary>
    public void Add(double sample)
    {
        Count++;
        double mean = Mean;
        var delta = sample - mean;
        mean += delta / Count;
        M2 = (float)(M2 + (delta * (sample - mean)));
        Mean = (float)mean;
    }

    public readonly double Variance => Count < 2 ? 0 : Math.Max(M2, 0) / (Count - 1);

    public readonly BaselineStats Stats => new(Count, Count == 0 ? double.NaN : Mean, Count < 2 ? double.NaN : Variance);
}
