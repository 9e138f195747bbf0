namespace Pax.Live.Edge.Audio;

/// <summary>One second-order IIR section (direct form II transposed, double state), <c>a0</c> normalised to 1.</summary>
internal struct Biquad(double b0, double b1, double b2, double a1, double a2)
{
    private readonly double _b0 = b0, _b1 = b1, _b2 = b2, _a1 = a1, _a2 = a2;
    private double _z1, _z2;

    /// <summary>Filters one sample.</summary>
    public double Process(double x)
    {
        var y = (_b0 * x) + _z1;
        _z1 = (_b1 * x) - (_a1 * y) + _z2;
        _z2 = (_b2 * x) - (_a2 * y);
        return y;
    }

    /// <summary>The complex response at <paramref name="hz"/> for <paramref name="sampleRate"/>, as magnitude.</summary>
    public readonly double Magnitude(double hz, double sampleRate)
    {
        var w = 2 * Math.PI * hz / sampleRate;
        var z1 = new System.Numerics.Complex(Math.Cos(-w), Math.Sin(-w));
        var z2 = z1 * z1;
        return ((_b0 + (_b1 * z1) + (_b2 * z2)) / (1 + (_a1 * z1) + (_a2 * z2))).Magnitude;
    }

    /// <summary>Two first-order sections <c>(n0 + n1 z⁻¹)/(1 + d1 z⁻¹)</c> multiplied into one biquad.</summary>
    public static Biquad FromFirstOrder(double n0, double n1, double d1, double m0, double m1, double e1) =>
        new(n0 * m0, (n0 * m1) + (n1 * m0), n1 * m1, d1 + e1, d1 * e1);

    /// <summary>A second-order Butterworth high-pass (the bilinear transform of the analogue prototype, pre-warped).</summary>
    public static Biquad HighPass(double hz, double sampleRate)
    {
        var k = Math.Tan(Math.PI * hz / sampleRate);
        var q = Math.Sqrt(0.5);
        var norm = 1 / (1 + (k / q) + (k * k));
        return new Biquad(norm, -2 * norm, norm, 2 * ((k * k) - 1) * norm, (1 - (k / q) + (k * k)) * norm);
    }
}
