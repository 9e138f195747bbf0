using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;

namespace Pax.Live.Edge.Tests;

/// <summary>The device's send queue: alert-grade messages never wait behind readings, and the newest readings are kept.</summary>
public sealed class SendQueueTests
{
    private static SignalMessage Reading(long ts) => SignalMessage.Create(ts, [new Signal(SignalKind.People, 3)]);

    private static SignalMessage Alarm(long ts) => SignalMessage.Create(ts, [new Signal(SignalKind.Fire, 0.9)]);

    [Fact]
    public void AnAlertGradeMessageGoesAheadOfEveryReadingWaitingBeforeIt()
    {
        var queue = new SendQueue(readings: 64);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(queue.TryAdd(Reading(i)));
        }

        Assert.True(queue.TryAdd(Alarm(100)));
        Assert.True(queue.TryAdd(Alarm(101)));

        Assert.True(queue.TryTake(out var first));
        Assert.True(queue.TryTake(out var second));
        Assert.True(queue.TryTake(out var third));
        Assert.Equal((100, true), (first.Timestamp, first.AlertGrade));
        Assert.Equal((101, true), (second.Timestamp, second.AlertGrade));
        Assert.Equal((0, false), (third.Timestamp, third.AlertGrade));
    }

    [Fact]
    public void AFullReadingsLaneDropsItsOldestAndCountsThem()
    {
        var queue = new SendQueue(readings: 4);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(queue.TryAdd(Reading(i)));
        }

        var kept = new List<long>();
        while (queue.TryTake(out var message))
        {
            kept.Add(message.Timestamp);
        }

        Assert.Equal([6, 7, 8, 9], kept);
        Assert.Equal(6, queue.ReadingsDropped);
    }

    [Fact]
    public void AFullAlertGradeLaneRefusesSoTheMessageCanGoToDisk()
    {
        var queue = new SendQueue(readings: 4, alertGrade: 2);
        Assert.True(queue.TryAdd(Alarm(1)));
        Assert.True(queue.TryAdd(Alarm(2)));

        Assert.False(queue.TryAdd(Alarm(3)));
        Assert.Equal(0, queue.ReadingsDropped);
    }

    [Fact]
    public async Task AWaitEndsWhenEitherLaneGetsAMessageEvenAfterWaitsThatTimedOut()
    {
        var queue = new SendQueue();
        for (var round = 0; round < 3; round++)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await queue.WaitAsync(timeout.Token));
        }

        var waiting = queue.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        queue.TryAdd(Alarm(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(queue.TryTake(out _));
        waiting = queue.WaitAsync(CancellationToken.None).AsTask();
        queue.TryAdd(Reading(2));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(queue.TryTake(out var reading));
        Assert.False(reading.AlertGrade);
    }
}
