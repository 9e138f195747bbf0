using Pax.Live.Contracts;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Simulation;

namespace Pax.Live.Edge.Tests;

public sealed class CameraOptionsTests
{
    private static CameraOptions Lawful() => new()
    {
        DeviceId = "cam-1",
        PlaceId = "stora-torget",
        Source = "rtsp://camera.local/stream",
        Purpose = "Crime prevention on Stora torget",
        LegalBasis = "Camera-surveillance permit 2026-123",
    };

    [Fact]
    public void LawfulCameraMayStart() => Assert.Empty(Lawful().Validate());

    [Fact]
    public void CameraWithoutPurposeIsRefused()
    {
        var camera = Lawful();
        camera.Purpose = " ";
        Assert.Contains(camera.Validate(), e => e.Contains("purpose", StringComparison.Ordinal));
    }

    [Fact]
    public void CameraWithoutLegalBasisIsRefused()
    {
        var camera = Lawful();
        camera.LegalBasis = "";
        Assert.Contains(camera.Validate(), e => e.Contains("legalBasis", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("0,0 1,0")]
    [InlineData("0,0 1,0 1,1.5")]
    [InlineData("0,0 x,0 1,1")]
    public void BrokenPolygonIsRefused(string polygon)
    {
        var camera = Lawful();
        camera.PrivacyMasks.Add(polygon);
        Assert.Single(camera.Validate());
    }

    [Fact]
    public void DeviceIdMustFollowTheContract()
    {
        var camera = Lawful();
        camera.DeviceId = "Cam_1";
        Assert.Single(camera.Validate());
    }
}

public sealed class SignalMessageTests
{
    [Fact]
    public void PeriodicMessageParsesUnderTheContractAndIsNotAlertGrade()
    {
        var message = SignalMessage.Create(1764161000123, [new Signal(SignalKind.Motion, 0.37), new Signal(SignalKind.People, 12), new Signal(SignalKind.Loiter, 4.5)]);
        var signals = new Signal[SignalPayload.MaxSignals];
        var reason = SignalPayload.Parse(message.Payload, 1764161000123, signals, out var ts, out var count);
        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(1764161000123, ts);
        Assert.Equal([new Signal(SignalKind.Motion, 0.37), new Signal(SignalKind.People, 12), new Signal(SignalKind.Loiter, 4.5)], signals[..count]);
        Assert.False(message.AlertGrade);
    }

    [Theory]
    [InlineData(SignalKind.Tamper, 1)]
    [InlineData(SignalKind.Fire, 0.8)]
    [InlineData(SignalKind.Impulse, 1)]
    public void EventKindMakesTheMessageAlertGrade(SignalKind kind, double value) =>
        Assert.True(SignalMessage.Create(1, [new Signal(SignalKind.Motion, 0), new Signal(kind, value)]).AlertGrade);

    [Fact]
    public void OutOfRangeValueIsNeverWritten() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SignalMessage.Create(1, [new Signal(SignalKind.People, 2.5)]));
}

public sealed class OutboxTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pax-edge-outbox-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void MessagesComeBackInOrderAndSurviveARestart()
    {
        var outbox = new Outbox(_directory, 10);
        outbox.Add([1]);
        outbox.Add([2]);
        var reopened = new Outbox(_directory, 10);
        reopened.Add([3]);
        var seen = new List<byte>();
        while (reopened.TryPeek(out var name, out var payload))
        {
            seen.Add(payload[0]);
            reopened.Remove(name);
        }

        Assert.Equal([1, 2, 3], seen);
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void FullOutboxDropsTheOldest()
    {
        var outbox = new Outbox(_directory, 3);
        for (byte i = 1; i <= 5; i++)
        {
            outbox.Add([i]);
        }

        Assert.Equal(3, outbox.Count);
        Assert.Equal(2, outbox.Dropped);
        Assert.True(outbox.TryPeek(out _, out var oldest));
        Assert.Equal(3, oldest[0]);
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

public sealed class LoiterTrackerTests
{
    [Fact]
    public void LoiterCountsSecondsOfPresenceAndForgivesShortGaps()
    {
        var loiter = new LoiterTracker(new LoiterOptions { GraceSeconds = 5 });
        Assert.Equal(0, loiter.Update(TimeSpan.FromSeconds(0), 0, 0));
        Assert.Equal(0, loiter.Update(TimeSpan.FromSeconds(10), 2, 0));
        Assert.Equal(20, loiter.Update(TimeSpan.FromSeconds(30), 1, 0));
        Assert.Equal(23, loiter.Update(TimeSpan.FromSeconds(33), 0, 0));
        Assert.Equal(30, loiter.Update(TimeSpan.FromSeconds(40), 1, 0));
        Assert.Equal(0, loiter.Update(TimeSpan.FromSeconds(50), 0, 0));
    }

    [Fact]
    public void WithoutPeopleCountMotionIsPresence()
    {
        var loiter = new LoiterTracker(new LoiterOptions());
        loiter.Update(TimeSpan.FromSeconds(0), null, 0.05);
        Assert.Equal(12, loiter.Update(TimeSpan.FromSeconds(12), null, 0.05));
    }
}

public sealed class SimulatorTests
{
    [Fact]
    public void NightIsQuieterThanDay()
    {
        Assert.True(Simulator.Busyness(4) < 0.1);
        Assert.True(Simulator.Busyness(12.5) > 0.5);
        Assert.True(Simulator.Busyness(17) > 0.8);
    }

    [Fact]
    public void SimulatedMessagesFollowTheContractAndIncludeIncidents()
    {
        var simulator = new Simulator(new SimulatorOptions { Places = ["stora-torget"], DevicesPerPlace = 3, RateHz = 1, IncidentsPerHour = 3600 }, TimeProvider.System);
        var signals = new Signal[SignalPayload.MaxSignals];
        var now = DateTimeOffset.UtcNow;
        var alertGrade = 0;
        for (var i = 0; i < 200; i++)
        {
            foreach (var device in simulator.Devices)
            {
                var message = simulator.Next(device, now + TimeSpan.FromSeconds(i));
                Assert.Equal(RejectReason.None, SignalPayload.Parse(message.Payload, message.Timestamp, signals, out _, out _));
                alertGrade += message.AlertGrade ? 1 : 0;
            }
        }

        Assert.True(alertGrade > 0);
        Assert.Equal(3, simulator.Devices.Select(d => d.DeviceId).Distinct().Count());
    }
}
