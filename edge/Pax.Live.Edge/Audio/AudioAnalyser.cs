using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Audio;

/// <summary>What an <see cref="AudioAnalyser"/> finds, at media times.</summary>
public interface IAudioObserver
{
    /// <summary>LAeq over the second that ended at <paramref name="endedAt"/>, in dB SPL (A-weighted).</summary>
    void LevelMeasured(TimeSpan endedAt, double dba);

    /// <summary>An impulsive bang whose onset was at <paramref name="onset"/>.</summary>
    void ImpulseHeard(TimeSpan onset);
}

/// <summary>
/// One mono stream's analysis in constant memory, the same live and on a file: the A-weighted equivalent level over
/// each second (LAeq,1s) and impulses. Time is the media clock, samples counted from the first; nothing is kept but
/// the filters' state, a second of 1.3 ms energies and the sums of the current second.
/// </summary>
public sealed class AudioAnalyser
{
    /// <summary>The rate every source is resampled to.</summary>
    public const int SampleRate = 48_000;

    private readonly double _fullScaleDb;
    private readonly int _sampleRate;
    private readonly ImpulseDetector _impulses;
    private readonly ImpulseDetector? _blasts;
    private readonly long _refractory;
    private long _lastImpulse = long.MinValue / 2;
    private long _found;
    private AWeighting _weighting;
    private double _sumSquares;
    private int _inSecond;
    private long _samples;

    /// <summary>Builds the filters for <paramref name="sampleRate"/>.</summary>
    public AudioAnalyser(AudioOptions options, int sampleRate = SampleRate)
    {
        _fullScaleDb = options.FullScaleDb;
        _sampleRate = sampleRate;
        _weighting = new AWeighting(sampleRate);
        _impulses = new ImpulseDetector(options.Impulse, options.FullScaleDb, sampleRate);
        _blasts = options.Impulse.BlastHighPassHz > 0 ? new ImpulseDetector(options.Impulse, options.FullScaleDb, sampleRate, options.Impulse.BlastHighPassHz) : null;
        _refractory = (long)(options.Impulse.RefractorySeconds * sampleRate);
    }

    /// <summary>Media time: the samples analysed so far.</summary>
    public TimeSpan Time => TimeSpan.FromSeconds((double)_samples / _sampleRate);

    /// <summary>Impulses heard so far.</summary>
    public long Impulses => _found;

    /// <summary>Tests and tuning: the impulse detector's reasoning.</summary>
    internal Action<string>? Trace
    {
        get => _impulses.Trace;
        set
        {
            _impulses.Trace = value;
            if (_blasts is not null)
            {
                _blasts.Trace = value is null ? null : t => value("blast band " + t);
            }
        }
    }

    /// <summary>Analyses the next samples (full scale ±1) and tells <paramref name="observer"/> what they completed.</summary>
    public void Process(ReadOnlySpan<float> samples, IAudioObserver observer)
    {
        foreach (var sample in samples)
        {
            var a = _weighting.Process(sample);
            _sumSquares += a * a;
            _samples++;
            // Either band may hear a bang, often both: one impulse per refractory period.
            var heard = _impulses.Process(sample, out var ago);
            if (_blasts is not null && _blasts.Process(sample, out var blastAgo) && !heard)
            {
                heard = true;
                ago = blastAgo;
            }

            var onset = _samples - 1 - ago;
            if (heard && onset - _lastImpulse >= _refractory)
            {
                _lastImpulse = onset;
                _found++;
                observer.ImpulseHeard(TimeSpan.FromSeconds((double)onset / _sampleRate));
            }

            if (++_inSecond == _sampleRate)
            {
                observer.LevelMeasured(Time, Level(_sumSquares / _sampleRate));
                _sumSquares = 0;
                _inSecond = 0;
            }
        }
    }

    // A full-scale sine has a mean square of ½ and reads FullScaleDb.
    private double Level(double meanSquare) =>
        meanSquare <= 0 ? 0 : Math.Clamp(_fullScaleDb + (10 * Math.Log10(2 * meanSquare)), 0, Contracts.SignalKinds.MaxSoundDba);
}
