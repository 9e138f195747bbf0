using System.Data.Common;
using System.Globalization;
using System.Text;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation.Replay;
using Pax.Live.Contracts;
using Pax.Live.Grains;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.History;

/// <summary>One step of a kind's history: the rollups of the minutes in it, combined.</summary>
public sealed record HistoryPoint(DateTimeOffset T, long Count, double Min, double Max, double Mean);

/// <summary>A level change as history shows it.</summary>
public sealed record LevelChangePoint(DateTimeOffset At, Level From, Level To);

/// <summary>
/// The history tables (<c>pax_rollup</c>, <c>pax_level_change</c>, <c>pax_alert</c>) in the same database as the grain
/// state. On SQLite its writes take their turn with the grains' at the <see cref="SqliteWriteGate"/>.
/// </summary>
public sealed partial class HistoryStore(StorageOptions options, string connectionString, SqliteWriteGate? gate = null)
{
    private const int RowsPerStatement = 100;

    /// <summary>
    /// Writes a batch in one transaction. Rewriting a row is harmless: a minute's rollup is replaced, a level change or a
    /// device's change kept once, an alert's row replaced unless the stored one is newer (a larger version).
    /// </summary>
    public Task Write(HistoryBatch batch, CancellationToken cancellationToken) =>
        gate is null ? WriteNow(batch, cancellationToken) : gate.Run(() => WriteNow(batch, cancellationToken), cancellationToken: cancellationToken);

    /// <summary>Deletes rows older than <paramref name="beforeMs"/>, and the replay slots older than <paramref name="slotsBeforeMs"/>; returns how many rows went.</summary>
    public Task<int> Purge(long beforeMs, long slotsBeforeMs, CancellationToken cancellationToken) =>
        gate is null
            ? PurgeNow(beforeMs, slotsBeforeMs, cancellationToken)
            : gate.Run(() => PurgeNow(beforeMs, slotsBeforeMs, cancellationToken), cancellationToken: cancellationToken);

    private async Task WriteNow(HistoryBatch batch, CancellationToken cancellationToken)
    {
        var (rollups, levels) = (batch.Rollups, batch.Levels);
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        for (var start = 0; start < rollups.Count; start += RowsPerStatement)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO pax_rollup (place_id, kind, minute_start, count, min, max, mean, slots) VALUES ");
            var end = Math.Min(start + RowsPerStatement, rollups.Count);
            for (var i = start; i < end; i++)
            {
                var row = rollups[i];
                var n = i - start;
                sql.Append(CultureInfo.InvariantCulture, $"{(n == 0 ? "" : ",")}(@p{n},@k{n},@m{n},@c{n},@lo{n},@hi{n},@mean{n},@sl{n})");
                Add(command, $"p{n}", row.PlaceId);
                Add(command, $"k{n}", row.Kind.Name());
                Add(command, $"m{n}", row.MinuteStartMs);
                Add(command, $"c{n}", row.Count);
                Add(command, $"lo{n}", row.Min);
                Add(command, $"hi{n}", row.Max);
                Add(command, $"mean{n}", row.Mean);
                Add(command, $"sl{n}", (object?)row.Slots ?? DBNull.Value);
            }

            sql.Append(" ON CONFLICT (place_id, kind, minute_start) DO UPDATE SET count = excluded.count, min = excluded.min, max = excluded.max, mean = excluded.mean, slots = excluded.slots");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        for (var start = 0; start < levels.Count; start += RowsPerStatement)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO pax_level_change (place_id, at, from_level, to_level) VALUES ");
            var end = Math.Min(start + RowsPerStatement, levels.Count);
            for (var i = start; i < end; i++)
            {
                var row = levels[i];
                var n = i - start;
                sql.Append(CultureInfo.InvariantCulture, $"{(n == 0 ? "" : ",")}(@p{n},@a{n},@f{n},@t{n})");
                Add(command, $"p{n}", row.PlaceId);
                Add(command, $"a{n}", row.AtMs);
                Add(command, $"f{n}", row.From.Name());
                Add(command, $"t{n}", row.To.Name());
            }

            sql.Append(" ON CONFLICT (place_id, at, to_level) DO NOTHING");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        for (var start = 0; start < batch.Devices.Count; start += RowsPerStatement)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder("INSERT INTO pax_device_change (place_id, device_id, at, online) VALUES ");
            var end = Math.Min(start + RowsPerStatement, batch.Devices.Count);
            for (var i = start; i < end; i++)
            {
                var row = batch.Devices[i];
                var n = i - start;
                sql.Append(CultureInfo.InvariantCulture, $"{(n == 0 ? "" : ",")}(@p{n},@d{n},@a{n},@o{n})");
                Add(command, $"p{n}", row.PlaceId);
                Add(command, $"d{n}", row.DeviceId);
                Add(command, $"a{n}", row.AtMs);
                Add(command, $"o{n}", row.Online);
            }

            sql.Append(" ON CONFLICT (place_id, device_id, at) DO NOTHING");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await WriteAlerts(connection, transaction, batch.Alerts, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task WriteAlerts(DbConnection connection, DbTransaction transaction, IReadOnlyList<AlertRow> alerts, CancellationToken cancellationToken)
    {
        // One statement may not touch a row twice (PostgreSQL refuses): keep each alert's last row of the batch, which
        // is its newest, since an alert's grain appends its changes in order.
        var latest = new Dictionary<string, AlertRow>(StringComparer.Ordinal);
        foreach (var row in alerts)
        {
            latest[row.AlertId] = row;
        }

        var rows = latest.Values.ToArray();
        for (var start = 0; start < rows.Length; start += RowsPerStatement)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var sql = new StringBuilder(
                "INSERT INTO pax_alert (alert_id, place_id, area, kind, severity, raised_at, acknowledged_at, dispatched_at, on_site_at, " +
                "resolved_at, outcome, escalated, version, device_id) VALUES ");
            var end = Math.Min(start + RowsPerStatement, rows.Length);
            for (var i = start; i < end; i++)
            {
                var row = rows[i];
                var n = i - start;
                sql.Append(CultureInfo.InvariantCulture, $"{(n == 0 ? "" : ",")}(@id{n},@p{n},@ar{n},@k{n},@s{n},@r{n},@ack{n},@d{n},@os{n},@res{n},@o{n},@e{n},@v{n},@dev{n})");
                Add(command, $"id{n}", row.AlertId);
                Add(command, $"p{n}", row.PlaceId);
                Add(command, $"ar{n}", (object?)row.Area ?? DBNull.Value);
                Add(command, $"k{n}", row.Kind.Name());
                Add(command, $"s{n}", row.Severity);
                Add(command, $"r{n}", row.RaisedAt);
                Add(command, $"ack{n}", (object?)row.AcknowledgedAt ?? DBNull.Value);
                Add(command, $"d{n}", (object?)row.DispatchedAt ?? DBNull.Value);
                Add(command, $"os{n}", (object?)row.OnSiteAt ?? DBNull.Value);
                Add(command, $"res{n}", (object?)row.ResolvedAt ?? DBNull.Value);
                Add(command, $"o{n}", row.Outcome is { } outcome ? OutcomeName(outcome) : DBNull.Value);
                Add(command, $"e{n}", row.Escalated);
                Add(command, $"v{n}", row.Version);
                Add(command, $"dev{n}", (object?)row.DeviceId ?? DBNull.Value);
            }

            sql.Append(
                " ON CONFLICT (alert_id) DO UPDATE SET place_id = excluded.place_id, area = excluded.area, kind = excluded.kind, " +
                "severity = excluded.severity, raised_at = excluded.raised_at, acknowledged_at = excluded.acknowledged_at, " +
                "dispatched_at = excluded.dispatched_at, on_site_at = excluded.on_site_at, resolved_at = excluded.resolved_at, " +
                "outcome = excluded.outcome, escalated = excluded.escalated, version = excluded.version, device_id = excluded.device_id " +
                "WHERE excluded.version >= pax_alert.version");
            command.CommandText = sql.ToString();
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>An outcome's wire name, as the API writes it: <c>confirmed</c>, <c>false-alarm</c>, <c>no-action-needed</c>.</summary>
    public static string OutcomeName(AlertOutcome outcome) => outcome switch
    {
        AlertOutcome.Confirmed => "confirmed",
        AlertOutcome.FalseAlarm => "false-alarm",
        _ => "no-action-needed",
    };

    /// <summary>A place's rollups combined into steps of <paramref name="stepMs"/>, and its level changes, in [from, to).</summary>
    public async Task<(Dictionary<string, List<HistoryPoint>> Series, List<LevelChangePoint> Levels)> Query(
        string placeId, long fromMs, long toMs, long stepMs, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        var series = new Dictionary<string, List<HistoryPoint>>(StringComparer.Ordinal);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT kind, (minute_start - @from) / @step AS bucket, SUM(count), MIN(min), MAX(max), SUM(mean * count) / SUM(count)
                FROM pax_rollup
                WHERE place_id = @place AND minute_start >= @from AND minute_start < @to
                GROUP BY kind, (minute_start - @from) / @step
                ORDER BY kind, bucket
                """;
            Add(command, "place", placeId);
            Add(command, "from", fromMs);
            Add(command, "to", toMs);
            Add(command, "step", stepMs);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var kind = reader.GetString(0);
                var t = DateTimeOffset.FromUnixTimeMilliseconds(fromMs + (reader.GetInt64(1) * stepMs));
                if (!series.TryGetValue(kind, out var points))
                {
                    series[kind] = points = [];
                }

                points.Add(new HistoryPoint(t, reader.GetInt64(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5)));
            }
        }

        var levels = new List<LevelChangePoint>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT at, from_level, to_level FROM pax_level_change
                WHERE place_id = @place AND at >= @from AND at < @to
                ORDER BY at
                """;
            Add(command, "place", placeId);
            Add(command, "from", fromMs);
            Add(command, "to", toMs);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                levels.Add(new LevelChangePoint(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), ParseLevel(reader.GetString(1)), ParseLevel(reader.GetString(2))));
            }
        }

        return (series, levels);
    }

    /// <summary>A place's devices' changes in [<paramref name="fromMs"/>, <paramref name="toMs"/>) and each device's last before, oldest first.</summary>
    public async Task<List<DeviceChangeRow>> DeviceChanges(string placeId, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.device_id, c.at, c.online FROM pax_device_change c
            JOIN (SELECT device_id, MAX(at) AS last_at FROM pax_device_change WHERE place_id = @place AND at < @from GROUP BY device_id) b
              ON c.place_id = @place AND c.device_id = b.device_id AND c.at = b.last_at
            UNION ALL
            SELECT device_id, at, online FROM pax_device_change WHERE place_id = @place AND at >= @from AND at < @to
            ORDER BY 2, 1
            """;
        Add(command, "place", placeId);
        Add(command, "from", fromMs);
        Add(command, "to", toMs);
        var changes = new List<DeviceChangeRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(new DeviceChangeRow(placeId, reader.GetString(0), reader.GetInt64(1), reader.GetBoolean(2)));
        }

        return changes;
    }

    /// <summary>A place's replay slots in [<paramref name="fromMs"/>, <paramref name="toMs"/>), in time order.</summary>
    public async Task<List<SignalSlot>> Slots(string placeId, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT kind, minute_start, slots FROM pax_rollup
            WHERE place_id = @place AND minute_start >= @from AND minute_start < @to AND slots IS NOT NULL
            """;
        Add(command, "place", placeId);
        Add(command, "from", fromMs - (fromMs % 60_000));
        Add(command, "to", toMs);
        var slots = new List<SignalSlot>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (SignalKinds.TryParse(reader.GetString(0), out var kind))
                {
                    SignalSlotCodec.Read(kind, reader.GetInt64(1), (byte[])reader.GetValue(2), slots);
                }
            }
        }

        slots.Sort((a, b) => a.LastAt.CompareTo(b.LastAt));
        return slots;
    }

    private async Task<int> PurgeNow(long beforeMs, long slotsBeforeMs, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var slots = connection.CreateCommand())
        {
            slots.CommandText = "UPDATE pax_rollup SET slots = NULL WHERE minute_start < @before AND slots IS NOT NULL";
            Add(slots, "before", slotsBeforeMs);
            await slots.ExecuteNonQueryAsync(cancellationToken);
        }

        var deleted = 0;
        await using (var devices = connection.CreateCommand())
        {
            devices.CommandText = "DELETE FROM pax_device_change WHERE at < @before";
            Add(devices, "before", slotsBeforeMs);
            deleted += await devices.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var sql in new[]
        {
            "DELETE FROM pax_rollup WHERE minute_start < @before",
            "DELETE FROM pax_level_change WHERE at < @before",
            "DELETE FROM pax_alert WHERE resolved_at IS NOT NULL AND resolved_at < @before",
        })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            Add(command, "before", beforeMs);
            deleted += await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return deleted;
    }

    private static Level ParseLevel(string name) => name switch
    {
        "calm" => Level.Calm,
        "elevated" => Level.Elevated,
        "alert" => Level.Alert,
        _ => Level.Unknown,
    };

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
