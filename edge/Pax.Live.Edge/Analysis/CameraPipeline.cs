using OpenCvSharp;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// One camera's analysers, each at its own rate, and the messages they make: all kinds of the camera in one message
/// at the camera's rate. Periodic kinds go in every message; event kinds when they change and, while raised, again
/// often enough that the server keeps holding them. While the view is suspect (covered, blinded, moved, defocused),
/// motion, people and fire are neither measured nor sent: a cover is tamper, not motion, and a count from before the
/// cover is stale.
/// </summary>
public sealed class CameraPipeline : IDisposable
{
    private static readonly TimeSpan EventRepeat = TimeSpan.FromSeconds(30);

    private readonly CameraOptions _options;
    private readonly PrivacyMask _privacyMask;
    private readonly MotionAnalyser? _motion;
    private readonly PeopleAnalyser? _people;
    private readonly LoiterTracker? _loiter;
    private readonly TamperAnalyser? _tamper;
    private readonly FireAnalyser? _fire;
    private readonly ActivityRegions? _activity;
    private readonly TimeSpan _messageEvery;
    private readonly TimeSpan _motionEvery;
    private readonly TimeSpan _peopleEvery;
    private readonly Signal[] _signals = new Signal[SignalKinds.Count];
    private TimeSpan _nextMessage;
    private TimeSpan _nextMotion;
    private TimeSpan _nextPeople;
    private TimeSpan _lastWholeFrame = TimeSpan.MinValue;
    private double _motionSum;
    private int _motionCount;
    private double _motionSincePeople;
    private int? _peopleCount;
    private readonly MedianOfLatest _peopleLatest;
    private bool _tampered;
    private bool _suspect;
    private bool _suspectInWindow;
    private bool? _sentTamper;
    private TimeSpan _sentTamperAt;
    private double _fireConfidence;
    private double _sentFire;
    private TimeSpan _sentFireAt;

    /// <summary>Builds the analysers the camera's options enable.</summary>
    public CameraPipeline(CameraOptions options)
    {
        _options = options;
        var masks = options.PrivacyMasks.Select(Polygons.Parse).ToArray();
        var zones = options.Zones.Select(Polygons.Parse).ToArray();
        _privacyMask = new PrivacyMask(masks);
        _motion = options.Motion.Enabled || options.People.Enabled || options.Loiter.Enabled ? new MotionAnalyser(options.Motion, zones, masks) : null;
        _people = options.People.Enabled ? new PeopleAnalyser(options.People, zones, masks) : null;
        _activity = options.People.Enabled && options.People.SearchActiveRegions ? new ActivityRegions(TimeSpan.FromSeconds(options.People.ActiveSeconds)) : null;
        _loiter = options.Loiter.Enabled ? new LoiterTracker(options.Loiter) : null;
        _tamper = options.Tamper.Enabled ? new TamperAnalyser(options.Tamper) : null;
        _fire = options.Fire.Enabled ? new FireAnalyser(options.Fire, zones, masks) : null;
        _messageEvery = TimeSpan.FromSeconds(1 / options.RateHz);
        _motionEvery = TimeSpan.FromSeconds(1 / Math.Max(options.Motion.AnalysisFps, options.RateHz));
        _peopleEvery = TimeSpan.FromSeconds(1 / Math.Min(options.People.MaxFps, 2));
        _peopleLatest = new MedianOfLatest(Math.Max(1, options.People.SmoothOver));
    }

    /// <summary>The camera's options.</summary>
    public CameraOptions Options => _options;

    /// <summary>The camera's sound level, from its audio thread; sent with the periodic readings while fresh.</summary>
    public Audio.SoundLevel? Sound { get; init; }

    /// <summary>Whether a frame taken at <paramref name="time"/> is wanted by any analyser (otherwise only decode it).</summary>
    public bool IsDue(TimeSpan time) => time >= _nextMotion || time >= _nextMessage;

    /// <summary>Blacks out the privacy masks, then runs the analysers that are due on the frame.</summary>
    public void Analyse(Mat frame, TimeSpan time)
    {
        _privacyMask.Apply(frame);
        var motionDue = time >= _nextMotion;
        if (_tamper is not null && time >= _nextMessage)
        {
            // At the message rate (it costs ~2 ms a frame), and first: a window whose last frame is suspect sends no
            // motion, people or fire, so the frames that cover the lens count as tamper and never as motion or fire.
            _tampered = _tamper.Analyse(frame, time);
            var suspect = _tamper.Cause != TamperCause.None;
            if (suspect && !_suspect)
            {
                _peopleLatest.Clear();
                _peopleCount = null;
                _fire?.Reset();
            }

            _suspect = suspect;
            _suspectInWindow |= suspect;
        }

        if (_suspect)
        {
            _nextMotion = motionDue ? Later(_nextMotion, time, _motionEvery) : _nextMotion;
            return;
        }

        if (motionDue)
        {
            _nextMotion = Later(_nextMotion, time, _motionEvery);
            var lightChanged = false;
            if (_motion is not null)
            {
                var share = _motion.Analyse(frame);
                lightChanged = _motion.Recalibrated;
                _motionSum += share;
                _motionCount++;
                _motionSincePeople = Math.Max(_motionSincePeople, share);
                _activity?.Add(_motion.Mask, time);
            }

            // Fire shares the motion rate: flicker is measured between successive analysed frames.
            if (_fire is not null)
            {
                _fireConfidence = _fire.Analyse(frame, time, lightChanged);
            }
        }

        if (_people is not null && time >= _nextPeople)
        {
            if (_people.WholeFrame)
            {
                // The DNN looks at the whole watched area at every detection: people standing still are counted too.
                _nextPeople = Later(_nextPeople, time, _peopleEvery);
                _peopleCount = _peopleLatest.Add(_people.Count(frame));
                return;
            }

            // HOG is gated by motion: a scene where nothing moved has the people it had, until the periodic refresh.
            var refresh = _lastWholeFrame == TimeSpan.MinValue || time - _lastWholeFrame >= TimeSpan.FromSeconds(_options.People.RefreshSeconds);
            if (_motionSincePeople > 0 || refresh)
            {
                _nextPeople = Later(_nextPeople, time, _peopleEvery);

                // The periodic refresh searches the whole frame, busy or not: it is what finds people who have not
                // moved for a while, and so have left the regions where something moves.
                _peopleCount = _peopleLatest.Add(_people.Count(frame, refresh ? null : _activity?.Regions(frame.Size(), _people.Window)));
                if (refresh || _activity is null)
                {
                    _lastWholeFrame = time;
                }

                _motionSincePeople = 0;
            }
        }
    }

    /// <summary>The message due at <paramref name="time"/>, stamped <paramref name="unixMs"/>, or null when none is due yet.</summary>
    public SignalMessage? TryEmit(TimeSpan time, long unixMs)
    {
        if (time < _nextMessage)
        {
            return null;
        }

        _nextMessage = Later(_nextMessage, time, _messageEvery);
        var count = 0;
        var motion = _motionCount == 0 ? 0 : _motionSum / _motionCount;
        _motionSum = 0;
        _motionCount = 0;

        // A window in which the view was suspect says nothing trustworthy about motion, people or presence.
        var trusted = !_suspectInWindow && !_suspect;
        _suspectInWindow = false;
        if (trusted && _options.Motion.Enabled && _motion is not null)
        {
            _signals[count++] = new Signal(SignalKind.Motion, Math.Round(motion, 4));
        }

        if (trusted && _people is not null && _peopleCount is { } people)
        {
            _signals[count++] = new Signal(SignalKind.People, people);
        }

        if (trusted && _loiter is not null)
        {
            _signals[count++] = new Signal(SignalKind.Loiter, _loiter.Update(time, _peopleCount, motion));
        }

        if (Sound is not null && Sound.TryGet(unixMs, out var dba))
        {
            _signals[count++] = new Signal(SignalKind.Sound, dba);
        }

        if (_tamper is not null && (_sentTamper != _tampered || (_tampered && time - _sentTamperAt >= EventRepeat)))
        {
            _signals[count++] = new Signal(SignalKind.Tamper, _tampered ? 1 : 0);
            _sentTamper = _tampered;
            _sentTamperAt = time;
        }

        if (_fire is not null && FireIsNews(time))
        {
            _signals[count++] = new Signal(SignalKind.Fire, _fireConfidence);
            _sentFire = _fireConfidence;
            _sentFireAt = time;
        }

        return count == 0 ? null : SignalMessage.Create(unixMs, _signals.AsSpan(0, count));
    }

    private bool FireIsNews(TimeSpan time) =>
        Math.Abs(_fireConfidence - _sentFire) >= 0.1
        || (_fireConfidence == 0 && _sentFire > 0)
        || (_fireConfidence > 0 && time - _sentFireAt >= EventRepeat);

    // The next slot on the grid; a stall (slow source, busy core) skips slots instead of bursting to catch up.
    private static TimeSpan Later(TimeSpan next, TimeSpan now, TimeSpan every) => next + every > now ? next + every : now + every;

    /// <inheritdoc />
    public void Dispose()
    {
        _motion?.Dispose();
        _people?.Dispose();
        _tamper?.Dispose();
        _fire?.Dispose();
        _activity?.Dispose();
    }
}
