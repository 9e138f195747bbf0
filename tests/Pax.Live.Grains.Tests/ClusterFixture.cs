using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;

namespace Pax.Live.Grains.Tests;

/// <summary>
/// Two silos (so calls between places, notifiers and the directory cross a real serializer), one controllable clock
/// shared by every silo, and a test "host" observer that records every live event the cluster pushes.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 22, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Clock { get; } = new(Start);

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public RecordingObserver Events { get; } = new();

    public RecordingHistorySink History { get; } = new();

    private ILiveObserver? _observerReference;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        var clock = Clock;
        var history = History;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(PaxStorage.Name);
            silo.Services.AddSingleton(new LiveOptions { StatusInterval = TimeSpan.FromMilliseconds(100) });
            silo.Services.AddSingleton<IHistorySink>(history);

            // The tests move this fake clock by minutes at a time; a real clock never jumps past a place's next tick.
            silo.Services.AddPaxGrains(
                clock,
                new LevelDefaults(PlaceRules.Default with
                {
                    UnknownAfter = TimeSpan.FromMinutes(2),
                    CauseHold = TimeSpan.FromMinutes(2),
                    MinLevelDuration = TimeSpan.FromSeconds(30),
                }),
                PlaceSnapshotOptions.Default,
                new PlaceTickOptions(TimeSpan.FromSeconds(1)));
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        _observerReference = Cluster.Client.CreateObjectReference<ILiveObserver>(Events);
        await RegisterObserver();
    }

    /// <summary>Registers the recording observer again; needed after the clock jumps past the directory's expiry.</summary>
    public Task RegisterObserver() => Grains.GetGrain<ILiveHostDirectoryGrain>(0).Register(_observerReference!).AsTask();

    /// <summary>
    /// Moves the shared clock and keeps the observer registered. It moves in steps of one renewal, as a real host
    /// renews: one jump past the directory's expiry would let any notifier's refresh in between drop the observer from
    /// its list until the clock moves on again, and every event until then would be lost.
    /// </summary>
    public async Task Advance(TimeSpan by)
    {
        for (var left = by; left > TimeSpan.Zero; left -= LiveHostDirectoryGrain.RenewEvery)
        {
            await RegisterObserver();
            Clock.Advance(left < LiveHostDirectoryGrain.RenewEvery ? left : LiveHostDirectoryGrain.RenewEvery);
        }

        await RegisterObserver();
    }

    public async Task<string> NewPlace(PlaceThresholds? thresholds = null, string? area = "centrum")
    {
        var id = "place-" + Guid.NewGuid().ToString("N")[..12];
        await Grains.GetGrain<ICatalogGrain>(0).Upsert(new PlaceDefinition(id, "Test " + id, "torg", 59.27, 15.21, thresholds ?? PlaceThresholds.None, area));
        return id;
    }

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Events.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>Stands in for a web host: records what the notifiers push, and lets a test wait for a matching event.</summary>
public sealed class RecordingObserver : ILiveObserver, IDisposable
{
    private readonly ConcurrentQueue<object> _events = new();
    private readonly SemaphoreSlim _arrived = new(0);

    public IReadOnlyCollection<object> All => _events;

    public void Dispose() => _arrived.Dispose();

    public Task OnStatusesChanged(PlaceStatusChanged[] changes)
    {
        foreach (var change in changes)
        {
            Add(change);
        }

        return Task.CompletedTask;
    }

    /// <summary>Records every feed entry, and the events themselves as the control room hears them (once each).</summary>
    public Task OnAlert(AlertFeedEntry entry)
    {
        Add(entry);
        if (entry.Position.Audience == Audiences.ControlRoom)
        {
            Add((object?)entry.Raised ?? entry.Changed!);
        }

        return Task.CompletedTask;
    }

    public Task OnPlaceDefined(PlaceDefinition definition)
    {
        Add(definition);
        return Task.CompletedTask;
    }

    public Task OnDeviceRevoked(string deviceId, DateTimeOffset issuedBefore)
    {
        Add(new DeviceRevoked(deviceId));
        return Task.CompletedTask;
    }

    public Task OnUserChanged(string userName)
    {
        Add(new UserChanged(userName));
        return Task.CompletedTask;
    }

    public IEnumerable<T> Of<T>() => _events.OfType<T>();

    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = _events.OfType<T>().FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No {typeof(T).Name} matched within the timeout; saw {_events.Count} events.");
            }

            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    private void Add(object item)
    {
        _events.Enqueue(item);
        _arrived.Release();
    }
}

/// <summary>Collects the history rows the places write.</summary>
public sealed class RecordingHistorySink : IHistorySink
{
    private readonly ConcurrentQueue<RollupRow> _rollups = new();
    private readonly ConcurrentQueue<LevelChangeRow> _levels = new();
    private readonly ConcurrentQueue<AlertRow> _alerts = new();

    public IReadOnlyCollection<RollupRow> Rollups => _rollups;

    public IReadOnlyCollection<LevelChangeRow> Levels => _levels;

    public void Append(in RollupRow row) => _rollups.Enqueue(row);

    public void Append(in LevelChangeRow row) => _levels.Enqueue(row);

    public IReadOnlyCollection<AlertRow> Alerts => _alerts;

    public void Append(in AlertRow row) => _alerts.Enqueue(row);
}

/// <summary>What <see cref="RecordingObserver"/> records for a revoked device.</summary>
public sealed record DeviceRevoked(string DeviceId);

public sealed record UserChanged(string UserName);
