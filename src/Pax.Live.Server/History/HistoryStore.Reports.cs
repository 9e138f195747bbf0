using System.Data.Common;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.History;

/// <summary>The reports' reads: level changes and alerts over a range of time.</summary>
public sealed partial class HistoryStore
{
    /// <summary>
    /// Every place's level changes in [<paramref name="fromMs"/>, <paramref name="toMs"/>) and the last one before, so
    /// that the level at the start is known; oldest first per place. Only places in <paramref name="placeIds"/>.
    /// </summary>
    public async Task<Dictionary<string, List<LevelChange>>> LevelChanges(
        IReadOnlySet<string> placeIds, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT c.place_id, c.at, c.from_level, c.to_level FROM pax_level_change c
            JOIN (SELECT place_id, MAX(at) AS last_at FROM pax_level_change WHERE at < @from GROUP BY place_id) b
              ON c.place_id = b.place_id AND c.at = b.last_at
            UNION ALL
            SELECT place_id, at, from_level, to_level FROM pax_level_change WHERE at >= @from AND at < @to
            ORDER BY 1, 2
            """;
        Add(command, "from", fromMs);
        Add(command, "to", toMs);
        var changes = new Dictionary<string, List<LevelChange>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var placeId = reader.GetString(0);
            if (!placeIds.Contains(placeId))
            {
                continue;
            }

            if (!changes.TryGetValue(placeId, out var list))
            {
                changes[placeId] = list = [];
            }

            list.Add(new LevelChange(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), ParseLevel(reader.GetString(2)), ParseLevel(reader.GetString(3))));
        }

        return changes;
    }

    /// <summary>The alerts raised in [<paramref name="fromMs"/>, <paramref name="toMs"/>), oldest first.</summary>
    public Task<List<AlertFact>> Alerts(long fromMs, long toMs, CancellationToken cancellationToken) => Alerts(fromMs, toMs, null, cancellationToken);

    /// <summary>The alerts raised in [<paramref name="fromMs"/>, <paramref name="toMs"/>), oldest first; only <paramref name="placeId"/>'s when given.</summary>
    public async Task<List<AlertFact>> Alerts(long fromMs, long toMs, string? placeId, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT alert_id, place_id, area, kind, severity, raised_at, acknowledged_at, dispatched_at, on_site_at, resolved_at, outcome, escalated, device_id
            FROM pax_alert
            WHERE raised_at >= @from AND raised_at < @to{(placeId is null ? "" : " AND place_id = @place")}
            ORDER BY raised_at, alert_id
            """;
        Add(command, "from", fromMs);
        Add(command, "to", toMs);
        if (placeId is not null)
        {
            Add(command, "place", placeId);
        }

        var alerts = new List<AlertFact>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            alerts.Add(new AlertFact(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.GetInt32(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                Time(reader, 6),
                Time(reader, 7),
                Time(reader, 8),
                Time(reader, 9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.GetBoolean(11),
                reader.IsDBNull(12) ? null : reader.GetString(12)));
        }

        return alerts;
    }

    /// <summary>
    /// Precision counted over every alert raised in [<paramref name="fromMs"/>, <paramref name="toMs"/>) at
    /// <paramref name="placeIds"/>, as it is read: only the columns it counts, from one index.
    /// </summary>
    public async Task<PrecisionReport.Builder> Precision(IReadOnlySet<string> placeIds, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using var connection = SchemaMigrator.Open(options.Provider, connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT place_id, kind, device_id, CASE WHEN resolved_at IS NULL THEN NULL ELSE outcome END, acknowledged_at - raised_at
            FROM pax_alert
            WHERE raised_at >= @from AND raised_at < @to
            """;
        Add(command, "from", fromMs);
        Add(command, "to", toMs);

        // Places, causes and devices repeat across rows: one string each.
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string Name(string s) => names.TryGetValue(s, out var known) ? known : names[s] = s;
        var precision = new PrecisionReport.Builder();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var place = reader.GetString(0);
            if (!placeIds.Contains(place))
            {
                continue;
            }

            precision.Add(new PrecisionFact(
                Name(place),
                Name(reader.GetString(1)),
                reader.IsDBNull(2) ? null : Name(reader.GetString(2)),
                PrecisionFact.JudgementOf(reader.IsDBNull(3) ? null : reader.GetString(3)),
                reader.IsDBNull(4) ? null : Math.Max(0, reader.GetInt64(4) / 1000.0)));
        }

        return precision;
    }

    private static DateTimeOffset? Time(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
