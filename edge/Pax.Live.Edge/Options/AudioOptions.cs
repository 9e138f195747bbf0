namespace Pax.Live.Edge.Options;

/// <summary>What the agent hears: the sound level in dBA every second and impulsive bangs (docs/edge.md, "Sound").</summary>
public class AudioOptions
{
    /// <summary>On a camera: whether to analyse its sound (off by default: hearing a place needs its own permit).</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Where the sound comes from, read through <c>ffmpeg</c>: an RTSP URL, <c>alsa:DEVICE</c> (<c>alsa:default</c>,
    /// <c>alsa:hw:1,0</c>), or a file. On a camera, empty means the camera's own stream.
    /// </summary>
    public string Source { get; set; } = "";

    /// <summary>
    /// Calibration: the level in dB SPL that a full-scale sine produces (a 1 kHz sine of peak amplitude A reads
    /// <c>FullScaleDb + 20·log10(A)</c> dBA). A typical MEMS or camera microphone clips at about 120 dB SPL.
    /// </summary>
    public double FullScaleDb { get; set; } = 120;

    /// <summary>The impulse detector.</summary>
    public ImpulseOptions Impulse { get; set; } = new();

    /// <summary>Every reason these settings cannot run, each prefixed with <paramref name="name"/>.</summary>
    public List<string> ValidateAudio(string name)
    {
        var errors = new List<string>();
        if (FullScaleDb is < 60 or > 194)
        {
            errors.Add($"{name}: fullScaleDb must be in 60..194 dB SPL.");
        }

        errors.AddRange(Impulse.Validate(name));
        return errors;
    }
}

/// <summary>
/// The impulse detector's thresholds. An impulse is a fast broadband onset far above the running background, with a
/// high peak-to-RMS ratio and a short decay, loud enough at the microphone; then nothing more for the refractory period.
/// </summary>
public sealed class ImpulseOptions
{
    /// <summary>Whether to look for impulses at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The detector works above this frequency: traffic rumble, wind, sirens' fundamentals and most of speech's and music's energy lie below it, while a bang's onset reaches far above.</summary>
    public double HighPassHz { get; set; } = 1000;

    /// <summary>
    /// A second detector, the same but above this lower frequency, hears what the first misses: a distant explosion's
    /// slow, low blast, whose energy above <see cref="HighPassHz"/> is small. 0 turns it off.
    /// </summary>
    public double BlastHighPassHz { get; set; } = 150;

    /// <summary>dB the onset's short-term energy must exceed the background floor by.</summary>
    public double OnsetDb { get; set; } = 18;

    /// <summary>dB the onset must exceed the loudest moment of the 3–16 ms before it by (a fast rise).</summary>
    public double RiseDb { get; set; } = 10;

    /// <summary>dB the onset must exceed the mean level of the second before it by (a high peak-to-RMS ratio).</summary>
    public double CrestDb { get; set; } = 12;

    /// <summary>dB the sound must have fallen by, 40–210 ms after the onset (median of 10 ms slices): a short decay.</summary>
    public double DecayDb { get; set; } = 12;

    /// <summary>The peak (unweighted) must reach this many dB SPL at the microphone (see docs/edge.md on claps and door slams).</summary>
    public double MinPeakDb { get; set; } = 100;

    /// <summary>Seconds after an impulse in which no new one is reported (a burst of shots is one event).</summary>
    public double RefractorySeconds { get; set; } = 1;

    /// <summary>Every reason these settings cannot run.</summary>
    public List<string> Validate(string name)
    {
        var errors = new List<string>();
        if (HighPassHz is < 100 or > 8000)
        {
            errors.Add($"{name}: impulse.highPassHz must be in 100..8000.");
        }

        if (BlastHighPassHz != 0 && BlastHighPassHz is < 20 or > 8000)
        {
            errors.Add($"{name}: impulse.blastHighPassHz must be 0 (off) or in 20..8000.");
        }

        if (OnsetDb < 0 || RiseDb < 0 || CrestDb < 0 || DecayDb < 0)
        {
            errors.Add($"{name}: impulse thresholds in dB must not be negative.");
        }

        if (RefractorySeconds is < 0.2 or > 600)
        {
            errors.Add($"{name}: impulse.refractorySeconds must be in 0.2..600.");
        }

        return errors;
    }
}
