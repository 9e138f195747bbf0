namespace Pax.Live.Aggregation.Tests;

public sealed class HourOfWeekTests
{
    private static readonly TimeZoneInfo Stockholm = TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");

    private static long Utc(int year, int month, int day, int hour, int minute = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Fact]
    public void MondayMidnightUtcIsHourZero() => Assert.Equal(0, HourOfWeek.Of(Utc(2026, 11, 23, 0), TimeZoneInfo.Utc));

    [Fact]
    public void SundayLastHourIsHour167() => Assert.Equal(167, HourOfWeek.Of(Utc(2026, 11, 29, 23, 59), TimeZoneInfo.Utc));

    [Fact]
    public void UnixEpochIsThursdayMidnight() => Assert.Equal(72, HourOfWeek.Of(0, TimeZoneInfo.Utc));

    [Fact]
    public void SaturdayNoonIsLocalNoonInWinterAndSummer()
    {
        // Saturday noon in Stockholm: 11:00 UTC in winter (CET), 10:00 UTC in summer (CEST).
        const int saturdayNoon = (5 * 24) + 12;
        Assert.Equal(saturdayNoon, HourOfWeek.Of(Utc(2026, 11, 28, 11, 30), Stockholm));
        Assert.Equal(saturdayNoon, HourOfWeek.Of(Utc(2026, 7, 4, 10, 30), Stockholm));
    }

    [Fact]
    public void SpanStartIsTheLocalHoursFirstInstantInUtc()
    {
        var hour = HourOfWeek.Of(Utc(2026, 11, 28, 11, 30), Stockholm, out var start);

        Assert.Equal(132, hour);
        Assert.Equal(Utc(2026, 11, 28, 11), start);
    }
}
