using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.Testing;

/// <summary>
/// A client on <c>/hubs/live</c> that records what it receives, as the real apps do: it reconnects by itself, and on
/// (re)connect watches again and resumes each audience's feed from the last position it saw, dropping what it already has.
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly string[] _placeIds;
    private readonly ConcurrentQueue<object> _events = new();
    private readonly ConcurrentDictionary<object, DateTime> _heardAt = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, Position> _positions = [];
    private readonly Lock _gate = new();
    private readonly ConcurrentQueue<string> _trace = new();

    private LiveClient(HubConnection connection, string[] placeIds)
    {
        _connection = connection;
        _placeIds = placeIds;
        _connection.On<StatusEvent>("PlaceStatusChanged", Add);
        _connection.On<AlertEvent>("AlertRaised", e => Heard(e, e.Position!, pushed: true));
        _connection.On<AlertChangedEvent>("AlertChanged", e => Heard(e, e.Position!, pushed: true));
        _connection.On("FeedInterrupted", () =>
        {
            FeedInterruptions++;
            Note("feed interrupted");
            _ = ResumeAfterGap();
        });
        _connection.Reconnected += async _ =>
        {
            await Rewatch();
            Reconnections++;
        };
    }

    /// <summary>How often the server said the feed was interrupted (a node left the cluster).</summary>
    public int FeedInterruptions { get; private set; }

    /// <summary>How often the connection came back after dropping.</summary>
    public int Reconnections { get; private set; }

    /// <summary>The connection's state now.</summary>
    public HubConnectionState State => _connection.State;

    /// <summary>What this client was pushed and resumed, and what it made of each, for a failure's message.</summary>
    public string Trace => string.Join('\n', _trace);

    private void Note(string what) => _trace.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {what}");

    /// <summary>What the last <see cref="Resume"/> returned.</summary>
    public FeedPage[] LastPages { get; private set; } = [];

    public static Task<(LiveClient Client, StatusEvent[] Current)> Watch(IServerEndpoints server, params string[] placeIds) =>
        WatchAs(server, server.Token, placeIds);

    public static Task<(LiveClient Client, StatusEvent[] Current)> WatchAs(IServerEndpoints server, string token, params string[] placeIds) =>
        Connect(server.BaseAddress, token, placeIds);

    /// <summary>Connects to <paramref name="baseAddress"/> (the server, or a proxy in front of it), watches and resumes.</summary>
    public static async Task<(LiveClient Client, StatusEvent[] Current)> Connect(Uri baseAddress, string token, params string[] placeIds)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .WithAutomaticReconnect(new RetrySoon())
            .Build();
        var client = new LiveClient(connection, placeIds);
        await connection.StartAsync();
        return (client, await client.Rewatch());
    }

    private async Task<StatusEvent[]> Rewatch()
    {
        var current = await _connection.InvokeAsync<StatusEvent[]>("Watch", _placeIds);
        await Resume();
        return current;
    }

    /// <summary>Asks for what was missed since the last positions seen, and takes it in.</summary>
    public async Task Resume()
    {
        Position[] cursors;
        lock (_gate)
        {
            cursors = [.. _positions.Values];
        }

        Note("resume from " + string.Join(", ", cursors.Select(c => $"{c.Epoch}:{c.Seq}")));
        var pages = await _connection.InvokeAsync<FeedPage[]>("Resume", cursors);
        foreach (var page in pages)
        {
            Note($"page {page.Audience} {page.Epoch}:{page.Seq} reset={page.Reset} entries=[{string.Join(' ', page.Entries.Select(e => $"{e.Position.Seq}:{e.Raised?.PlaceId ?? e.Changed?.PlaceId}"))}] open=[{string.Join(' ', page.Open.Select(o => o.PlaceId))}]");
        }

        foreach (var page in pages)
        {
            if (page.Reset && cursors.Any(c => c.Audience == page.Audience))
            {
                // Afresh after a gap or a new epoch: the open alerts are what the audience has now; an app replaces its
                // list with them. Those this client had not heard of are taken as raised. (On the first connect the
                // tests wait for what is pushed, so the open alerts of earlier tests are left out.)
                foreach (var open in page.Open)
                {
                    lock (_gate)
                    {
                        if (!_events.OfType<AlertEvent>().Any(e => e.AlertId == open.AlertId))
                        {
                            Note($"open {open.PlaceId} taken from the reset page");
                            Add(open with { Position = new Position(page.Audience, page.Epoch, 0) });
                        }
                    }
                }
            }

            foreach (var entry in page.Entries)
            {
                if (entry.Raised is { } raised)
                {
                    Heard(raised with { Position = entry.Position }, entry.Position);
                }
                else
                {
                    Heard(entry.Changed! with { Position = entry.Position }, entry.Position);
                }
            }

            lock (_gate)
            {
                if (!_positions.TryGetValue(page.Audience, out var last) || last.Epoch != page.Epoch || last.Seq < page.Seq)
                {
                    _positions[page.Audience] = new Position(page.Audience, page.Epoch, page.Seq);
                }
            }
        }

        LastPages = pages;
    }

    /// <summary>
    /// Takes an event in unless it was had already (pushed and resumed both). One that skips a number is not taken:
    /// the client resumes from where it was, which brings the missed ones and this one in order.
    /// </summary>
    private void Heard(object e, Position position, bool pushed = false)
    {
        lock (_gate)
        {
            var what = $"{(pushed ? "pushed" : "resumed")} {e.GetType().Name} {(e as AlertEvent)?.PlaceId ?? (e as AlertChangedEvent)?.PlaceId} at {position.Epoch}:{position.Seq}";
            if (_positions.TryGetValue(position.Audience, out var last))
            {
                if (last.Epoch == position.Epoch && position.Seq <= last.Seq)
                {
                    Note(what + " (had it)");
                    return;
                }

                // A gap, or a feed that started afresh (its node died): what came before it may be lost, so resume.
                if (pushed && (last.Epoch != position.Epoch || position.Seq > last.Seq + 1))
                {
                    Note(what + $" (after {last.Epoch}:{last.Seq}: resume)");
                    _ = ResumeAfterGap();
                    return;
                }
            }

            Note(what);

            _positions[position.Audience] = position;
            Add(e);
        }
    }

    private async Task ResumeAfterGap()
    {
        // As the apps do: a Resume that fails while the connection is up (the server could not reach the feed yet)
        // is tried again; one that fails because the connection is down is done by the reconnect.
        for (var attempt = 0; attempt < 10; attempt++)
        {
            try
            {
                await Resume();
                return;
            }
            catch (Exception ex) when (ex is HubException or InvalidOperationException or OperationCanceledException)
            {
                if (_connection.State != HubConnectionState.Connected)
                {
                    return;
                }

                await Task.Delay(500);
            }
        }
    }

    /// <summary>Tries again at once and then every quarter second, for as long as the test runs.</summary>
    private sealed class RetrySoon : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(250);
    }

    public IEnumerable<T> Of<T>() => _events.OfType<T>();

    /// <summary>When this client took <paramref name="e"/> in (UTC).</summary>
    public DateTime HeardAt(object e) => _heardAt[e];

    private void Add(object e)
    {
        _heardAt[e] = DateTime.UtcNow;
        _events.Enqueue(e);
    }

    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (_events.OfType<T>().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No matching {typeof(T).Name}; received: {string.Join(", ", _events)}");
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
