using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Seconds that presence has persisted in the watched zones: how long the zone has not been empty, with a grace for
/// short gaps. It follows presence, not persons: nobody is tracked or recognised.
/// </summary>
public sealed class LoiterTracker(LoiterOptions options)
{
    private TimeSpan? _presentSince;
    private TimeSpan _lastPresent;

    /// <summary>Feeds one observation at <paramref name="time"/> and returns the loiter seconds.</summary>
    public double Update(TimeSpan time, int? people, double motion)
    {
        var present = people is { } count ? count > 0 : motion >= options.PresenceMotion;
        if (present)
        {
            _presentSince ??= time;
            _lastPresent = time;
        }
        else if (_presentSince is not null && time - _lastPresent > TimeSpan.FromSeconds(options.GraceSeconds))
        {
            _presentSince = null;
        }

        return _presentSince is { } since ? Math.Min(86_400, Math.Round((time - since).TotalSeconds, 1)) : 0;
    }
}
