namespace Pax.Live.Edge.Audio;

/// <summary>
/// The latest LAeq,1s of a camera's sound, handed from its audio thread to its video thread, which sends it with the
/// periodic readings. A level older than <see cref="MaxAge"/> is not sent: the sound has stopped coming.
/// </summary>
public sealed class SoundLevel
{
    /// <summary>How old a level may be and still go out.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(3);

    private readonly Lock _lock = new();
    private double _dba;
    private long _atUnixMs = long.MinValue;

    /// <summary>Keeps <paramref name="dba"/>, measured at <paramref name="atUnixMs"/>.</summary>
    public void Set(double dba, long atUnixMs)
    {
        lock (_lock)
        {
            _dba = dba;
            _atUnixMs = atUnixMs;
        }
    }

    /// <summary>The latest level, if it is fresh at <paramref name="nowUnixMs"/>.</summary>
    public bool TryGet(long nowUnixMs, out double dba)
    {
        lock (_lock)
        {
            dba = _dba;
            return _atUnixMs != long.MinValue && nowUnixMs - _atUnixMs <= (long)MaxAge.TotalMilliseconds;
        }
    }
}
