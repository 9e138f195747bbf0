namespace Pax.Live.Grains;

/// <summary>
/// The clock the grains read, a keyed <see cref="TimeProvider"/>: tests and replays swap it without moving Orleans's
/// own clock (membership and timeouts must keep real time).
/// </summary>
public static class PaxClock
{
    /// <summary>The service key.</summary>
    public const string Key = "pax-clock";
}
