using BenchmarkDotNet.Attributes;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Aggregation.Replay;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;
using Pax.Live.Grains;
using Pax.Live.Server.History;
using Pax.Live.Server.Storage;

namespace Pax.Live.Benchmarks;

/// <summary>
/// The two questions that read a long stretch of history, from an SQLite file as the server keeps it: a replay of 30
/// days of one place (four kinds reporting every 10 s: 1.04 M slots in 43,200 rollups) and the precision of a year of
/// alerts at 1,000 places (one a place a day: 365,000 alerts). Each operation is the whole answer: the read and the work.
/// </summary>
[MemoryDiagnoser]
public class HistoryQueryBenchmarks
{
    private const string Place = "stora-torget";
    private const int Days = 30;
    private static readonly long Start = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly SignalKind[] Kinds = [SignalKind.Motion, SignalKind.People, SignalKind.Loiter, SignalKind.Sound];

    private readonly PlaceRules _rules = PlaceRules.Default with { PeopleThreshold = 40, SoundThreshold = 75, MotionThreshold = 0.6 };
    private string _directory = null!;
    private HistoryStore _store = null!;

    /// <summary>Bytes the database file holds per place per day of slots (measured in the setup, printed once).</summary>
    public static long BytesPerPlaceDay { get; private set; }

    [GlobalSetup]
    public async Task Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "pax-bench-history-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        var options = new StorageOptions { Provider = StorageProvider.Sqlite };
        var connectionString = options.ResolveConnectionString(_directory);
        await SchemaMigrator.Apply(options, connectionString, CancellationToken.None);
        _store = new HistoryStore(options, connectionString);

        var before = Size();
        var rollups = new HistoryBatch();
        rollups.Rollups.AddRange(Rollups());
        await _store.Write(rollups, CancellationToken.None);
        BytesPerPlaceDay = (Size() - before) / Days;
        Console.WriteLine($"// slots of {Days} days at one place: {BytesPerPlaceDay:N0} bytes a day (four kinds every 10 s)");
        var alerts = new HistoryBatch();
        alerts.Alerts.AddRange(Alerts());
        await _store.Write(alerts, CancellationToken.None);
    }

    // The database and its write-ahead log, where the newest pages are until a checkpoint.
    private long Size() => Directory.GetFiles(_directory).Sum(f => new FileInfo(f).Length);

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark]
    public async Task<int> ReplayThirtyDays()
    {
        var slots = await _store.Slots(Place, Start, Start + (Days * 86_400_000L), CancellationToken.None);
        return PlaceReplay.Run(Place, _rules, slots, Start, Start + (Days * 86_400_000L)).Levels.Count;
    }

    [Benchmark]
    public async Task<int> PrecisionOfAYearAtAThousandPlaces()
    {
        var from = DateTimeOffset.FromUnixTimeMilliseconds(Start);
        var alerts = await _store.Alerts(Start, Start + (366 * 86_400_000L), CancellationToken.None);
        return PrecisionReport.Of(from, from.AddDays(366), null, alerts).Rules.Count;
    }

    private static List<RollupRow> Rollups()
    {
        var random = new Random(1);
        var recorder = new SignalSlotRecorder();
        var rows = new List<RollupRow>(Days * 1440 * Kinds.Length);
        var people = 20.0;
        for (long minute = Start; minute < Start + (Days * 86_400_000L); minute += 60_000)
        {
            for (long t = minute; t < minute + 60_000; t += 10_000)
            {
                people = Math.Clamp(people + random.Next(-4, 5), 0, 80);
                recorder.Record(SignalKind.Motion, random.NextDouble(), t + random.Next(0, 9_000));
                recorder.Record(SignalKind.People, people, t + random.Next(0, 9_000));
                recorder.Record(SignalKind.Loiter, random.Next(0, 120), t + random.Next(0, 9_000));
                recorder.Record(SignalKind.Sound, 55 + random.Next(0, 30), t + random.Next(0, 9_000));
            }

            foreach (var kind in Kinds)
            {
                rows.Add(new RollupRow(Place, kind, minute, 6, 0, 0, 0, recorder.Take(kind, minute)));
            }
        }

        return rows;
    }

    private static List<AlertRow> Alerts()
    {
        var random = new Random(2);
        string[] outcomes = ["confirmed", "false-alarm", "no-action-needed"];
        var rows = new List<AlertRow>(365_000);
        for (var day = 0; day < 365; day++)
        {
            for (var p = 0; p < 1_000; p++)
            {
                var raised = Start + (day * 86_400_000L) + random.Next(0, 86_400_000);
                var outcome = outcomes[random.Next(0, 3)] switch
                {
                    "confirmed" => AlertOutcome.Confirmed,
                    "false-alarm" => AlertOutcome.FalseAlarm,
                    _ => AlertOutcome.NoActionNeeded,
                };
                rows.Add(new AlertRow(
                    $"a-{day}-{p}", $"place-{p}", "centrum", p % 3 == 0 ? SignalKind.Fire : SignalKind.Impulse, 3, raised, raised + random.Next(5_000, 120_000),
                    null, null, raised + 600_000, outcome, Escalated: false, Version: 3, DeviceId: $"cam-{p}-{random.Next(0, 2)}"));
            }
        }

        return rows;
    }
}
