using Orleans.Storage;
using Pax.Live.Grains;

namespace Pax.Live.Server.Storage;

/// <summary>
/// SQLite has one writer at a time, and Microsoft.Data.Sqlite answers a busy database by sleeping the calling thread
/// (150 ms a try) until its timeout. With many grains saving at once every writer but one slept on a thread-pool
/// thread: a save before an alert took 150 ms whenever a snapshot or a history batch held the lock, and 100,000 places
/// saving their first snapshots put 37 threads to sleep and the server stopped answering. Writers here queue on this
/// gate without a thread and meet the database one at a time, so none of them finds it busy. PostgreSQL takes
/// concurrent writers and goes without it.
/// </summary>
public sealed class SqliteWriteGate(StorageHealth health)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _urgent = new();
    private readonly Queue<TaskCompletionSource> _routine = new();
    private bool _busy;
    private int _waiting;

    /// <summary>Writes queued or in progress.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Runs <paramref name="write"/> when no other write is in progress. An <paramref name="urgent"/> write goes before
    /// every queued routine one: an alert does not wait for a wave of snapshots.
    /// </summary>
    public async Task<T> Run<T>(Func<Task<T>> write, bool urgent = false, CancellationToken cancellationToken = default)
    {
        health.ReportQueuedWrites(Interlocked.Increment(ref _waiting));
        try
        {
            await Enter(urgent, cancellationToken);
            try
            {
                return await write();
            }
            finally
            {
                Leave();
            }
        }
        finally
        {
            health.ReportQueuedWrites(Interlocked.Decrement(ref _waiting));
        }
    }

    /// <summary>Runs <paramref name="write"/> when no other write is in progress, urgent ones first.</summary>
    public Task Run(Func<Task> write, bool urgent = false, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            await write();
            return true;
        }, urgent, cancellationToken);

    private Task Enter(bool urgent, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_busy)
            {
                _busy = true;
                return Task.CompletedTask;
            }

            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (urgent ? _urgent : _routine).Enqueue(turn);
            return cancellationToken.CanBeCanceled ? turn.Task.WaitAsync(cancellationToken) : turn.Task;
        }
    }

    private void Leave()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            if (!_urgent.TryDequeue(out next) && !_routine.TryDequeue(out next))
            {
                _busy = false;
                return;
            }
        }

        // The turn passes straight to the next writer; the gate stays taken.
        next.SetResult();
    }
}

/// <summary>The grain storage with its writes through the <see cref="SqliteWriteGate"/>; reads go straight through (WAL readers never wait on the writer).</summary>
public sealed class GatedGrainStorage(IGrainStorage inner, SqliteWriteGate gate) : IGrainStorage
{
    /// <summary>
    /// Whether a write of this state goes before queued routine ones: an alert's, because people wait on it and alerts
    /// are rare. A place's snapshot is routine: it follows the announcement, and a wave of them must not delay an alert.
    /// </summary>
    public static bool IsUrgent(string stateName) => stateName == AlertGrain.StateName;

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.Run(() => inner.WriteStateAsync(stateName, grainId, grainState), IsUrgent(stateName));

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        gate.Run(() => inner.ClearStateAsync(stateName, grainId, grainState), IsUrgent(stateName));
}
