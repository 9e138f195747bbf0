using System.Threading.Channels;
using Pax.Live.Grains;

namespace Pax.Live.Server.History;

/// <summary>
/// The grains' history sink on this node: rows queue in memory and are written in batches. A failed batch is kept and
/// retried with backoff (1 s doubling to 30 s) until the database is back, so an outage delays history, it does not lose it
/// (up to <see cref="HistoryOptions.Capacity"/> rows).
/// </summary>
public sealed partial class HistoryWriter(HistoryStore store, HistoryOptions options, ILogger<HistoryWriter> logger) : BackgroundService, IHistorySink
{
    // Rows per transaction. On SQLite a batch holds the one writer's turn, and an alert's write waits for the batch
    // in progress: a few hundred rows keep that wait to milliseconds.
    private const int MaxBatch = 256;

    private readonly Channel<(RollupRow Rollup, LevelChangeRow Level, AlertRow Alert, DeviceChangeRow Device, RowType Type)> _rows =
        Channel.CreateBounded<(RollupRow, LevelChangeRow, AlertRow, DeviceChangeRow, RowType)>(new BoundedChannelOptions(options.Capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });

    private long _dropped;
    private long _written;

    /// <summary>Rows written so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Rows dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <inheritdoc />
    public void Append(in RollupRow row) => Enqueue((row, default, default, default, RowType.Rollup));

    /// <inheritdoc />
    public void Append(in LevelChangeRow row) => Enqueue((default, row, default, default, RowType.Level));

    /// <inheritdoc />
    public void Append(in AlertRow row) => Enqueue((default, default, row, default, RowType.Alert));

    /// <inheritdoc />
    public void Append(in DeviceChangeRow row) => Enqueue((default, default, default, row, RowType.Device));

    private enum RowType : byte
    {
        Rollup,
        Level,
        Alert,
        Device,
    }

    private void Enqueue((RollupRow, LevelChangeRow, AlertRow, DeviceChangeRow, RowType) row)
    {
        if (!_rows.Writer.TryWrite(row))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new HistoryBatch();
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (batch.Count == 0)
            {
                try
                {
                    await Task.Delay(options.FlushEvery, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                Drain(batch);
                if (batch.Count == 0)
                {
                    continue;
                }
            }

            try
            {
                await store.Write(batch, stoppingToken);
                Interlocked.Add(ref _written, batch.Count);
                batch.Clear();
                failures = 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                failures++;
                LogWriteFailed(logger, ex, batch.Count, failures);
                var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures - 1, 5))));
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        // Stopping: one last attempt at what is left.
        Drain(batch);
        if (batch.Count > 0)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await store.Write(batch, timeout.Token);
            }
            catch (Exception ex)
            {
                LogWriteFailed(logger, ex, batch.Count, failures + 1);
            }
        }
    }

    private void Drain(HistoryBatch batch)
    {
        while (batch.Count < MaxBatch && _rows.Reader.TryRead(out var row))
        {
            switch (row.Type)
            {
                case RowType.Level:
                    batch.Levels.Add(row.Level);
                    break;
                case RowType.Alert:
                    batch.Alerts.Add(row.Alert);
                    break;
                case RowType.Device:
                    batch.Devices.Add(row.Device);
                    break;
                default:
                    batch.Rollups.Add(row.Rollup);
                    break;
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not write {Rows} history rows (attempt {Attempt}); keeping them and retrying")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int rows, int attempt);
}

/// <summary>Purges history older than the retention, every <see cref="HistoryOptions.PurgeEvery"/>.</summary>
public sealed partial class HistoryRetention(HistoryStore store, HistoryOptions options, TimeProvider clock, ILogger<HistoryRetention> logger) : BackgroundService
{
    /// <summary>Purges once now; returns how many rows went.</summary>
    public async Task<int> PurgeOnce(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var before = (now - options.Retention).ToUnixTimeMilliseconds();
        var deleted = await store.Purge(before, (now - options.ReplayRetention).ToUnixTimeMilliseconds(), cancellationToken);
        LogPurged(logger, deleted, options.Retention.TotalDays);
        return deleted;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PurgeEvery);
        do
        {
            try
            {
                await PurgeOnce(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogPurgeFailed(logger, ex);
            }
        }
        while (await WaitNext(timer, stoppingToken));
    }

    private static async Task<bool> WaitNext(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Information, "History: purged {Rows} rows older than {Days} days")]
    private static partial void LogPurged(ILogger logger, int rows, double days);

    [LoggerMessage(LogLevel.Warning, "History purge failed; next attempt at the next period")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
