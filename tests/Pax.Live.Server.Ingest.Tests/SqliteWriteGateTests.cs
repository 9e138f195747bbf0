using Microsoft.Extensions.Time.Testing;
using Pax.Live.Grains;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Ingest.Tests;

/// <summary>SQLite's writers meet the database one at a time, and an alert's write does not queue behind snapshots.</summary>
public sealed class SqliteWriteGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AnUrgentWriteGoesBeforeTheRoutineOnesQueuedAheadOfIt()
    {
        var gate = new SqliteWriteGate(new StorageHealth(new FakeTimeProvider()));
        var order = new List<string>();
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = gate.Run(() => holding.Task);

        var first = gate.Run(() => Note(order, "snapshot 1"));
        var second = gate.Run(() => Note(order, "snapshot 2"));
        var alert = gate.Run(() => Note(order, "alert"), urgent: true);
        Assert.Equal(4, gate.Waiting);

        holding.SetResult();
        await Task.WhenAll(held, first, second, alert).WaitAsync(Patience);
        Assert.Equal(["alert", "snapshot 1", "snapshot 2"], order);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task WritesNeverOverlap()
    {
        var gate = new SqliteWriteGate(new StorageHealth(new FakeTimeProvider()));
        var inside = 0;
        var most = 0;
        async Task Write()
        {
            most = Math.Max(most, Interlocked.Increment(ref inside));
            await Task.Delay(1);
            Interlocked.Decrement(ref inside);
        }

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => gate.Run(Write, urgent: i % 7 == 0))).WaitAsync(Patience);
        Assert.Equal(1, most);
    }

    [Fact]
    public void AnAlertsStateIsWrittenUrgentlyAndAPlacesSnapshotIsRoutine()
    {
        Assert.True(GatedGrainStorage.IsUrgent(AlertGrain.StateName));
        Assert.False(GatedGrainStorage.IsUrgent(PlaceGrain.StateName));
    }

    private static Task Note(List<string> order, string what)
    {
        lock (order)
        {
            order.Add(what);
        }

        return Task.CompletedTask;
    }
}
