using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>
/// One audience's alert feed. It is the only place that numbers the audience's events, and it sends each one out
/// before the next, so clients see them in order and notice a gap. It keeps the last <see cref="Kept"/> events and the
/// audience's open alerts in memory: a client coming back within that gets exactly what it missed; one further behind,
/// or one that knew an earlier activation (another epoch), gets the open alerts afresh. Nothing here needs storing:
/// the alerts themselves are stored by their grains, and the open ones are read from the index at activation.
/// </summary>
[KeepAlive]
public sealed partial class AlertFeedGrain(IAlertPushSink push, ILogger<AlertFeedGrain> logger) : Grain, IAlertFeedGrain
{
    /// <summary>How many recent events a feed keeps for clients that come back.</summary>
    public const int Kept = 1_000;

    private readonly Queue<AlertFeedEntry> _recent = new(Kept);
    private readonly Dictionary<string, AlertView> _open = new(StringComparer.Ordinal);
    private readonly Queue<AlertFeedEntry> _unsent = new();
    private static readonly TimeSpan ResendEvery = TimeSpan.FromSeconds(1);
    private IGrainTimer? _resend;

    // Below 2^53, so that a JavaScript client gets the epoch back exactly.
    private readonly long _epoch = Random.Shared.NextInt64(1, 1L << 53);
    private long _seq;

    private string Audience => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var area = Audiences.AreaOf(Audience);
        foreach (var alert in await GrainFactory.GetGrain<IAlertIndexGrain>(0).List(includeResolved: false))
        {
            if (area is null || alert.Area == area)
            {
                _open[alert.AlertId] = alert;
            }
        }

        LogActivated(logger, Audience, _epoch, _open.Count, RuntimeIdentity);
    }

    /// <inheritdoc />
    public async ValueTask<FeedPosition> Publish(AlertView view, bool raised)
    {
        // A place that retries a delivery (a node died half-way) may announce a raise twice: it is numbered once.
        if (raised && _recent.FirstOrDefault(e => e.Raised?.AlertId == view.AlertId) is { } known)
        {
            return known.Position;
        }

        var position = new FeedPosition(Audience, _epoch, ++_seq);
        var entry = raised ? new AlertFeedEntry(position, AlertRaised.Of(view), null) : new AlertFeedEntry(position, null, view);
        if (_recent.Count == Kept)
        {
            _recent.Dequeue();
        }

        _recent.Enqueue(entry);
        if (view.State == AlertState.Resolved)
        {
            _open.Remove(view.AlertId);
        }
        else
        {
            _open[view.AlertId] = view;
        }

        LogNumbered(logger, Audience, _epoch, _seq, view.AlertId, raised);
        if (raised && Audiences.AreaOf(Audience) is not null)
        {
            // The area's guards' phones hear of a new alert when their feed does, and as often: once, whether it was
            // announced as it was stored or ahead of storing it while the database was away.
            push.Raised(view);
        }

        _unsent.Enqueue(entry);
        await SendUnsent();
        return position;
    }

    /// <summary>
    /// Sends what is waiting, in order. What cannot be sent now (the hosts' directory was on a node that just died) is
    /// tried again every second, so clients hear of it without waiting for a later event to show them the gap.
    /// </summary>
    private async Task SendUnsent()
    {
        while (_unsent.TryPeek(out var entry))
        {
            try
            {
                await GrainFactory.GetGrain<ILiveNotifierGrain>(0).Alert(entry);
                _unsent.Dequeue();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogSendFailed(logger, ex, Audience, entry.Position.Seq);
                _resend ??= this.RegisterGrainTimer(SendUnsent, new GrainTimerCreationOptions(ResendEvery, ResendEvery) { KeepAlive = true });
                return;
            }
        }

        _resend?.Dispose();
        _resend = null;
    }

    /// <inheritdoc />
    public ValueTask<AlertFeedPage> Since(long epoch, long seq)
    {
        var oldest = _recent.TryPeek(out var first) ? first.Position.Seq : _seq + 1;
        if (epoch == _epoch && seq <= _seq && seq >= oldest - 1)
        {
            return ValueTask.FromResult(new AlertFeedPage(Audience, _epoch, _seq, Reset: false,
                [.. _recent.Where(e => e.Position.Seq > seq)], []));
        }

        AlertView[] open = [.. _open.Values.OrderByDescending(a => a.Severity).ThenByDescending(a => a.RaisedAt)];
        return ValueTask.FromResult(new AlertFeedPage(Audience, _epoch, _seq, Reset: true, [], open));
    }

    [LoggerMessage(LogLevel.Information, "The alert feed of {Audience} is active on this node with epoch {Epoch} and {Open} open alerts ({Silo})")]
    private static partial void LogActivated(ILogger logger, string audience, long epoch, int open, string silo);

    [LoggerMessage(LogLevel.Debug, "Numbered {Audience} {Epoch}:{Seq} for alert {AlertId} (raised: {Raised})")]
    private static partial void LogNumbered(ILogger logger, string audience, long epoch, long seq, string alertId, bool raised);

    [LoggerMessage(LogLevel.Warning, "Could not send alert event {Seq} of {Audience} yet; retrying every second")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string audience, long seq);
}

/// <summary>How grains announce an alert event: to the feed of every audience it concerns.</summary>
public static class AlertFeeds
{
    /// <summary>Publishes the event to the control room's feed and, for a place in an area, to that area's guards' feed.</summary>
    public static async Task Publish(IGrainFactory grains, AlertView view, bool raised)
    {
        var control = grains.GetGrain<IAlertFeedGrain>(Audiences.ControlRoom).Publish(view, raised);
        if (view.Area is { } area)
        {
            await grains.GetGrain<IAlertFeedGrain>(Audiences.Area(area)).Publish(view, raised);
        }

        await control;
    }
}
