using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Pax.Live.Contracts;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Ingest.Tests;

/// <summary>Ingest's write-ahead log on a real folder: what is acknowledged is on disk, comes back after a restart, and goes once stored.</summary>
public sealed class IngestLogTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pax-ingest-log-" + Guid.NewGuid().ToString("N"));
    private readonly IngestLogOptions _options = new() { SegmentAge = TimeSpan.FromMilliseconds(50) };

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static (SignalIngest Ingest, IngestQueue Queue, PlaceDirectory Places) Rig(IngestLog log)
    {
        var options = new IngestOptions();
        var queue = new IngestQueue(options);
        var places = new PlaceDirectory();
        places.Add("torget");
        var ingest = new SignalIngest(places, queue, new IngestStats(), options, new DeviceIds(), new FakeTimeProvider(Now), NullLogger<SignalIngest>.Instance, log);
        return (ingest, queue, places);
    }

    private IngestLog Open() => new(_options, _directory, NullLogger<IngestLog>.Instance);

    private static ValueTask<RejectReason> Publish(SignalIngest ingest, string json) =>
        ingest.AcceptAsync("cam-1", Topic.Signals("torget", "cam-1"), new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)), CancellationToken.None, out _);

    private static string Message(long ts, string kind, double value) => $"{{\"ts\": {ts}, \"signals\": [{{\"kind\": \"{kind}\", \"value\": {value}}}]}}";

    private long WalBytes() => Directory.GetFiles(_directory, "*.wal").Sum(f => new FileInfo(f).Length);

    [Fact]
    public async Task AnAcknowledgedImpulseIsOnDiskAndComesBackAfterARestart()
    {
        var ts = Now.ToUnixTimeMilliseconds() - 1000;
        using (var log = Open())
        {
            var (ingest, queue, _) = Rig(log);
            Assert.Equal(RejectReason.None, await Publish(ingest, Message(ts - 5, "people", 12)));
            Assert.Equal(0, WalBytes());

            Assert.Equal(RejectReason.None, await Publish(ingest, Message(ts, "impulse", 1)));

            // Answered: the record is in the file already (what a kill -9 leaves behind).
            Assert.True(WalBytes() > 0);
            Assert.True(queue.TryRead(out var impulse));
            Assert.NotNull(impulse.Logged);
            Assert.True(queue.TryRead(out var people));
            Assert.Null(people.Logged);
        }

        using var again = Open();
        var (_, replayQueue, places) = Rig(again);
        Assert.Equal(1, await again.Replay(replayQueue, places, CancellationToken.None));
        Assert.True(replayQueue.TryRead(out var replayed));
        Assert.Equal(("torget", "cam-1", ts), (replayed.PlaceId, replayed.DeviceId, replayed.Timestamp));
        Assert.Equal([new Signal(SignalKind.Impulse, 1)], replayed.Signals.ToArray());
        Assert.True(replayed.HasEvent);
        Assert.False(replayQueue.TryRead(out _));
    }

    [Fact]
    public async Task RecordsGoOnceStoredAndWhatIsNotStoredStays()
    {
        using (var log = Open())
        {
            var (ingest, queue, _) = Rig(log);
            await Publish(ingest, Message(Now.ToUnixTimeMilliseconds() - 10, "fire", 0.9));
            await Publish(ingest, Message(Now.ToUnixTimeMilliseconds() - 9, "tamper", 1));
            Assert.True(queue.TryRead(out var stored));
            Assert.True(queue.TryRead(out _));
            stored.Logged!.Release();

            // The segment closes with its age; one record in it is not stored yet, so it stays.
            await Task.Delay(300);
            Assert.True(WalBytes() > 0);
        }

        using var again = Open();
        var (_, replayQueue, places) = Rig(again);
        Assert.Equal(2, await again.Replay(replayQueue, places, CancellationToken.None));
        while (replayQueue.TryRead(out var envelope))
        {
            envelope.Logged!.Release();
        }

        Assert.Equal(0, WalBytes());
        Assert.Empty(Directory.GetFiles(_directory, "*.wal"));
    }

    [Fact]
    public async Task ManyAtOnceShareFsyncsAndATornLastRecordIsIgnored()
    {
        const int count = 500;
        using (var log = Open())
        {
            var (ingest, _, _) = Rig(log);
            var publishes = Enumerable.Range(0, count)
                .Select(i => Publish(ingest, Message(Now.ToUnixTimeMilliseconds() - count + i, "impulse", 1)).AsTask());
            Assert.All(await Task.WhenAll(publishes), r => Assert.Equal(RejectReason.None, r));
        }

        // The process died writing one more record: half of it is in the file.
        var last = Directory.GetFiles(_directory, "*.wal").Order(StringComparer.Ordinal).Last();
        await File.AppendAllBytesAsync(last, [40, 0, 0, 0, 1, 2, 3, 4, 1, 6]);

        using var again = Open();
        var (_, replayQueue, places) = Rig(again);
        Assert.Equal(count, await again.Replay(replayQueue, places, CancellationToken.None));
    }

    [Fact]
    public void TwoProcessesCannotShareOneLog()
    {
        using var log = Open();
        var refused = Assert.Throws<InvalidOperationException>(Open);
        Assert.Contains("Pax:DataDirectory", refused.Message, StringComparison.Ordinal);
    }
}
