using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Audio;

/// <summary>
/// Finds impulsive bangs (shots, firecrackers, blasts) in a mono stream, sample by sample, in constant memory: the
/// short-term energy above <see cref="ImpulseOptions.HighPassHz"/> (fourth order) in blocks of 64 samples (1.3 ms at 48 kHz), a
/// background floor that falls fast and rises slowly, the mean of the last second, and the decay of each candidate.
/// </summary>
/// <remarks>
/// A candidate is a block whose energy is <see cref="ImpulseOptions.OnsetDb"/> above the floor,
/// <see cref="ImpulseOptions.RiseDb"/> above the loudest block 3–16 ms earlier and <see cref="ImpulseOptions.CrestDb"/>
/// above the mean of the second before. Its peak is the loudest of its first five blocks. It is an impulse when, 40–210
/// ms later, the median of sixteen 10 ms slices has fallen <see cref="ImpulseOptions.DecayDb"/> below that peak (speech,
/// music and sirens go on; a bang is over), and its unweighted peak reached <see cref="ImpulseOptions.MinPeakDb"/>. The
/// median rather than the mean, so that a second shot 100 ms after the first does not hide the first one's decay.
/// </remarks>
internal sealed class ImpulseDetector
{
    private const int BlockSamples = 64;
    private const int PeakBlocks = 5;
    private const int RiseFrom = 12;
    private const int RiseTo = 3;
    private const int SliceBlocks = 8;
    private const int Slices = 16;
    private const double DecayStartSeconds = 0.040;
    private const double Silence = -140;

    private readonly ImpulseOptions _options;
    private readonly double _fullScaleDb;
    private readonly double _sampleRate;
    private readonly float[] _recent = new float[16];
    private readonly double[] _second;
    private readonly float[] _slices = new float[Slices];
    private readonly int _decayStartBlocks;
    private readonly long _refractoryBlocks;
    private Biquad _highPass;
    private Biquad _highPass2;
    private double _blockEnergy;
    private double _blockPeak;
    private int _inBlock;
    private long _block;
    private double _floorDb = double.NaN;
    private double _secondSum;
    private int _secondAt;

    // The candidate being watched, if any.
    private long _onset = -1;
    private double _peakDb;
    private double _peakAbs;
    private double _sliceSum;
    private long _quietUntil;
    private long _onsetFound;

    /// <summary>Builds a detector for <paramref name="sampleRate"/>, with peaks in dB SPL through <paramref name="fullScaleDb"/>, above <paramref name="highPassHz"/> (default: the options').</summary>
    public ImpulseDetector(ImpulseOptions options, double fullScaleDb, double sampleRate, double? highPassHz = null)
    {
        _options = options;
        _fullScaleDb = fullScaleDb;
        _sampleRate = sampleRate;
        _highPass = Biquad.HighPass(highPassHz ?? options.HighPassHz, sampleRate);
        _highPass2 = _highPass;
        _second = new double[(int)Math.Ceiling(sampleRate / BlockSamples)];
        _decayStartBlocks = (int)Math.Round(DecayStartSeconds * sampleRate / BlockSamples);
        _refractoryBlocks = (long)Math.Round(options.RefractorySeconds * sampleRate / BlockSamples);

        // No verdict before a second has been heard: the floor and the mean need it.
        _quietUntil = _second.Length;
    }

    /// <summary>Tests and tuning: told every candidate's measures and verdict, and every block loud above the floor.</summary>
    internal Action<string>? Trace { get; set; }

    /// <summary>Impulses found so far.</summary>
    public long Found { get; private set; }

    /// <summary>
    /// Feeds one sample; true when it completes the watch of an impulse, whose onset was <paramref name="onsetSamplesAgo"/>
    /// samples before this one.
    /// </summary>
    public bool Process(float sample, out long onsetSamplesAgo)
    {
        onsetSamplesAgo = 0;
        var h = _highPass2.Process(_highPass.Process(sample));
        _blockEnergy += h * h;
        var abs = Math.Abs((double)sample);
        if (abs > _blockPeak)
        {
            _blockPeak = abs;
        }

        if (++_inBlock < BlockSamples)
        {
            return false;
        }

        var db = Db(_blockEnergy / BlockSamples);
        var peak = _blockPeak;
        _inBlock = 0;
        _blockEnergy = 0;
        _blockPeak = 0;
        var found = EndBlock(db, peak);
        if (found)
        {
            onsetSamplesAgo = ((_block - _onsetFound) * BlockSamples) + BlockSamples - 1;
        }

        _block++;
        return found;
    }

    private bool EndBlock(double db, double peak)
    {
        var found = false;
        if (_onset >= 0)
        {
            found = Watch(db, peak);
        }
        else if (_options.Enabled && _block >= _quietUntil && IsOnset(db))
        {
            _onset = _block;
            _peakDb = db;
            _peakAbs = peak;
            _sliceSum = 0;
        }

        // The candidate's own blocks stay out of the floor and the mean, so that the bang does not raise the
        // background it is measured against.
        if (_onset < 0)
        {
            Track(db);
        }

        _recent[(int)(_block % _recent.Length)] = (float)db;
        return found;
    }

    private bool IsOnset(double db)
    {
        if (db - _floorDb < _options.OnsetDb)
        {
            if (Trace is not null && db - _floorDb >= 12)
            {
                Trace(FormattableString.Invariant($"{_block * BlockSamples / _sampleRate:F3} s: {db - _floorDb:F1} dB over the floor"));
            }

            return false;
        }

        var before = Silence;
        for (var k = RiseTo; k <= RiseFrom; k++)
        {
            before = Math.Max(before, _recent[(int)((_block - k) % _recent.Length)]);
        }

        var onset = db - before >= _options.RiseDb && db - Db(_secondSum / _second.Length) >= _options.CrestDb;
        if (Trace is not null && !onset)
        {
            Trace(FormattableString.Invariant($"{_block * BlockSamples / _sampleRate:F3} s: over floor {db - _floorDb:F1}, rise {db - before:F1}, crest {db - Db(_secondSum / _second.Length):F1}: no onset"));
        }

        return onset;
    }

    private bool Watch(double db, double peak)
    {
        var age = _block - _onset;
        if (age < PeakBlocks)
        {
            _peakDb = Math.Max(_peakDb, db);
            _peakAbs = Math.Max(_peakAbs, peak);
            return false;
        }

        var fromDecay = age - _decayStartBlocks;
        if (fromDecay < 0)
        {
            return false;
        }

        _sliceSum += Math.Pow(10, db / 10);
        if ((fromDecay + 1) % SliceBlocks != 0)
        {
            return false;
        }

        var slice = (int)(fromDecay / SliceBlocks);
        _slices[slice] = (float)Db(_sliceSum / SliceBlocks);
        _sliceSum = 0;
        if (slice < Slices - 1)
        {
            return false;
        }

        Array.Sort(_slices);
        var tail = (_slices[(Slices / 2) - 1] + _slices[Slices / 2]) / 2;
        var loudEnough = _fullScaleDb + (20 * Math.Log10(Math.Max(_peakAbs, 1e-10))) >= _options.MinPeakDb;
        var impulse = _peakDb - tail >= _options.DecayDb && loudEnough;
        Trace?.Invoke(FormattableString.Invariant(
            $"{_onset * BlockSamples / _sampleRate:F3} s: candidate, peak {_peakDb:F1} dB, decay {_peakDb - tail:F1} dB, peak {_fullScaleDb + (20 * Math.Log10(Math.Max(_peakAbs, 1e-10))):F1} dB SPL: {(impulse ? "impulse" : "no")}"));
        _onsetFound = _onset;
        _onset = -1;
        if (impulse)
        {
            Found++;
            _quietUntil = _onsetFound + _refractoryBlocks;
        }

        return impulse;
    }

    private void Track(double db)
    {
        // The floor falls within tens of milliseconds and climbs with a time constant of two seconds: it follows the
        // quiet moments between words and notes, not the sounds themselves.
        if (double.IsNaN(_floorDb))
        {
            _floorDb = db;
        }
        else
        {
            _floorDb += (db - _floorDb) * (db < _floorDb ? 0.05 : BlockSamples / (2 * _sampleRate));
        }

        var energy = Math.Pow(10, db / 10);
        _secondSum += energy - _second[_secondAt];
        _second[_secondAt] = energy;
        _secondAt = (_secondAt + 1) % _second.Length;
    }

    private static double Db(double energy) => energy > 1e-14 ? 10 * Math.Log10(energy) : Silence;
}
