namespace Pax.Live.Aggregation;

/// <summary>The hour of the week in a place's time zone: 0 is Monday 00:00–01:00, 167 is Sunday 23:00–24:00.</summary>
public static class HourOfWeek
{
    /// <summary>Hours in a week.</summary>
    public const int Count = 168;

    /// <summary>An hour in milliseconds.</summary>
    public const long HourMs = 3_600_000;

    /// <summary>
    /// The hour of the week of <paramref name="utcMs"/> (Unix ms) in <paramref name="zone"/>, and the span of UTC time,
    /// [<paramref name="startUtcMs"/>, start + 1 h), that shares it; callers cache the span and skip the time-zone lookup.
    /// </summary>
    public static int Of(long utcMs, TimeZoneInfo zone, out long startUtcMs)
    {
        var offset = (long)zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(utcMs)).TotalMilliseconds;
        var localHours = Math.DivRem(utcMs + offset, HourMs, out var remainder);
        if (remainder < 0)
        {
            localHours--;
        }

        startUtcMs = (localHours * HourMs) - offset;

        // 1970-01-01 was a Thursday: 3 days (72 hours) after a Monday.
        var hour = (localHours + 72) % Count;
        return (int)(hour < 0 ? hour + Count : hour);
    }

    /// <summary>The hour of the week of <paramref name="utcMs"/> in <paramref name="zone"/>.</summary>
    public static int Of(long utcMs, TimeZoneInfo zone) => Of(utcMs, zone, out _);
}
