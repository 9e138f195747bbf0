using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Audio;

/// <summary>
/// Turns what the <see cref="AudioAnalyser"/> hears into contract messages. An impulse goes at once in a message of
/// its own (alert-grade: QoS 1, stored and forwarded). A level goes each second in a message of its own for a
/// microphone, or into a <see cref="SoundLevel"/> that the camera sends with its periodic readings.
/// </summary>
public sealed class AudioPipeline : IAudioObserver
{
    private readonly AudioAnalyser _analyser;
    private readonly Action<SignalMessage> _publish;
    private readonly SoundLevel? _cameraLevel;
    private readonly Signal[] _one = new Signal[1];
    private long _epochMs;

    /// <summary>Builds the analysis.</summary>
    /// <param name="options">Calibration and the impulse detector's settings.</param>
    /// <param name="publish">Where messages go (the device's publisher, or <c>analyse</c>'s output).</param>
    /// <param name="cameraLevel">A camera's level holder; null: levels are published as messages of their own.</param>
    public AudioPipeline(AudioOptions options, Action<SignalMessage> publish, SoundLevel? cameraLevel = null)
    {
        _analyser = new AudioAnalyser(options);
        _publish = publish;
        _cameraLevel = cameraLevel;
    }

    /// <summary>Media time: the samples analysed so far.</summary>
    public TimeSpan Time => _analyser.Time;

    /// <summary>Impulses heard so far.</summary>
    public long Impulses => _analyser.Impulses;

    /// <summary>Tests and tuning: the impulse detector's reasoning.</summary>
    internal Action<string>? Trace { get => _analyser.Trace; set => _analyser.Trace = value; }

    /// <summary>Analyses the next samples; <paramref name="epochMs"/> is the Unix time in ms of media time 0.</summary>
    public void Process(ReadOnlySpan<float> samples, long epochMs)
    {
        _epochMs = epochMs;
        _analyser.Process(samples, this);
    }

    /// <inheritdoc />
    public void LevelMeasured(TimeSpan endedAt, double dba)
    {
        var at = _epochMs + (long)endedAt.TotalMilliseconds;
        dba = Math.Round(dba, 1);
        if (_cameraLevel is not null)
        {
            _cameraLevel.Set(dba, at);
            return;
        }

        _one[0] = new Signal(SignalKind.Sound, dba);
        _publish(SignalMessage.Create(at, _one));
    }

    /// <inheritdoc />
    public void ImpulseHeard(TimeSpan onset)
    {
        _one[0] = new Signal(SignalKind.Impulse, 1);
        _publish(SignalMessage.Create(_epochMs + (long)onset.TotalMilliseconds, _one));
    }
}
