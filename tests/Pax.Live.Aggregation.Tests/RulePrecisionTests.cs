using Pax.Live.Aggregation.Reports;

namespace Pax.Live.Aggregation.Tests;

public sealed class RulePrecisionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 22, 0, 0, TimeSpan.Zero);

    private static AlertFact Alert(string place, string cause, string? outcome, string? device, int ackSeconds = 60) => new(
        Guid.NewGuid().ToString("N"), place, "centrum", cause, 3, T0, T0.AddSeconds(ackSeconds), null, null,
        outcome is null ? null : T0.AddMinutes(10), outcome, Escalated: false, device);

    [Fact]
    public void PrecisionIsConfirmedOverJudgedAndNoActionNeededAndOpenAlertsCountOnlyAsRaised()
    {
        var counts = PrecisionCounts.Of(new[]
        {
            Alert("p", "impulse", "confirmed", "cam-1", 10),
            Alert("p", "impulse", "false-alarm", "cam-1", 20),
            Alert("p", "impulse", "false-alarm", "cam-1", 30),
            Alert("p", "impulse", "no-action-needed", "cam-1", 40),
            Alert("p", "impulse", null, "cam-1", 50),
        }.Select(PrecisionFact.Of));

        Assert.Equal(new PrecisionCounts(5, 1, 2, 1, 1, 0.333, 30), counts);
        Assert.Null(PrecisionCounts.Of([PrecisionFact.Of(Alert("p", "fire", null, "cam-1"))]).Precision);
    }

    [Fact]
    public void RulesAndDevicesWithTheMostFalseAlarmsComeFirst()
    {
        var report = PrecisionReport.Of(T0, T0.AddDays(1), null, [
            Alert("torget", "impulse", "false-alarm", "cam-1"),
            Alert("torget", "impulse", "false-alarm", "cam-1"),
            Alert("torget", "fire", "confirmed", "cam-2"),
            Alert("parken", "report", "false-alarm", "observation"),
            Alert("parken", "impulse", "confirmed", null),
        ]);

        Assert.Equal([("torget", "impulse"), ("parken", "report"), ("parken", "impulse"), ("torget", "fire")], report.Rules.Select(r => (r.PlaceId, r.Cause)));
        Assert.Equal([("cam-1", "torget"), ("observation", "parken"), ("cam-2", "torget")], report.Devices.Select(d => (d.DeviceId, d.PlaceId)));
        Assert.Equal(0, report.Devices[0].Counts.Precision);
    }
}
