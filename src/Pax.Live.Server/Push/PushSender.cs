using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Threading.Channels;
using Lib.Net.Http.WebPush;
using Lib.Net.Http.WebPush.Authentication;
using Pax.Live.Abstractions;
using Pax.Live.Grains;

namespace Pax.Live.Server.Push;

/// <summary>
/// Turns alert events into Web Push messages for the guards' phones, off the alert's path: the alert's grain hands the
/// event over without waiting, this node looks up who should hear of it and sends, each push encrypted to its phone
/// (RFC 8291, aes128gcm), signed with VAPID (RFC 8292), urgency high and a TTL. A push service that is away or busy
/// is tried again; one that says the subscription is gone (404, 410) has it dropped.
/// </summary>
public sealed partial class PushSender : BackgroundService, IAlertPushSink
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(1);

    private readonly PushOptions _options;
    private readonly IGrainFactory _grains;
    private readonly PushKeys _keys;
    private readonly ILogger<PushSender> _logger;
    private readonly Channel<AlertEvent> _events;
    private readonly HttpClient _http;
    private readonly PushServiceClient _client;
    private readonly SemaphoreSlim _inFlight;
    private readonly ConcurrentDictionary<string, int> _pendingByGuard = new(StringComparer.Ordinal);
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _gone;
    private readonly Histogram<double> _latency;

    /// <summary>Creates the sender.</summary>
    public PushSender(PushOptions options, IGrainFactory grains, PushKeys keys, IMeterFactory meters, ILogger<PushSender> logger)
    {
        _options = options;
        _grains = grains;
        _keys = keys;
        _logger = logger;
        _events = Channel.CreateBounded<AlertEvent>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });

        // No redirects: a push goes to the allowed origin it was addressed to, nowhere else.
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.RequestTimeout,
        })
        { Timeout = options.RequestTimeout };
        _client = new PushServiceClient(_http)
        {
            DefaultAuthenticationScheme = VapidAuthenticationScheme.Vapid,
            DefaultTimeToLive = (int)options.TimeToLive.TotalSeconds,
            AutoRetryAfter = false,
        };
        _inFlight = new SemaphoreSlim(Math.Max(1, options.Concurrency));
        var meter = meters.Create(PaxMeter.Name);
        _sent = meter.CreateCounter<long>("pax.push.sent", "{push}", "Pushes a push service took (201), by why: dispatched or raised.");
        _failed = meter.CreateCounter<long>("pax.push.failed", "{push}", "Pushes given up after their tries, or refused by the push service.");
        _dropped = meter.CreateCounter<long>("pax.push.dropped", "{push}", "Pushes not sent, by reason: queue-full, guard-bound, origin-not-allowed.");
        _gone = meter.CreateCounter<long>("pax.push.subscriptions.gone", "{subscription}", "Subscriptions dropped because the push service said 404 or 410.");
        _latency = meter.CreateHistogram<double>("pax.push.duration", "s", "From the alert event on this node until the push service took the push.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <inheritdoc />
    public void Raised(AlertView alert) => Offer(new AlertEvent(alert, Dispatched: false, Stopwatch.GetTimestamp()));

    /// <inheritdoc />
    public void Dispatched(AlertView alert) => Offer(new AlertEvent(alert, Dispatched: true, Stopwatch.GetTimestamp()));

    /// <inheritdoc />
    public override void Dispose()
    {
        _http.Dispose();
        _inFlight.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var alertEvent in _events.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await FanOut(alertEvent, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFanOutFailed(_logger, ex, alertEvent.Alert.AlertId);
            }
        }
    }

    private void Offer(AlertEvent alertEvent)
    {
        if (_options.Enabled && !_events.Writer.TryWrite(alertEvent))
        {
            _dropped.Add(1, new KeyValuePair<string, object?>("reason", "queue-full"));
        }
    }

    /// <summary>Who hears of the event, and one push to each of their phones.</summary>
    private async Task FanOut(AlertEvent alertEvent, CancellationToken cancellationToken)
    {
        var alert = alertEvent.Alert;
        var guards = alertEvent.Dispatched
            ? alert.Guard is { } guard ? [guard] : []
            : await GuardsOf(alert.Area);
        if (guards.Length == 0)
        {
            return;
        }

        var pushes = await Task.WhenAll(guards.Select(async g => (Guard: g, Push: await _grains.GetGrain<IPushSubscriptionGrain>(g).GetPush())));
        var payload = (string?)null;
        foreach (var (guardName, push) in pushes)
        {
            if (push.Devices.Length == 0 || (!alertEvent.Dispatched && !push.NewAlerts))
            {
                continue;
            }

            payload ??= PushPayload.Of(alert, await PlaceName(alert.PlaceId), alertEvent.Dispatched).ToJson();
            foreach (var device in push.Devices)
            {
                if (!PushOrigins.IsAllowed(device.Endpoint, _options.Origins))
                {
                    _dropped.Add(1, new KeyValuePair<string, object?>("reason", "origin-not-allowed"));
                    continue;
                }

                if (_pendingByGuard.AddOrUpdate(guardName, 1, (_, n) => n + 1) > _options.MaxPendingPerGuard)
                {
                    Done(guardName);
                    _dropped.Add(1, new KeyValuePair<string, object?>("reason", "guard-bound"));
                    LogGuardBound(_logger, guardName);
                    continue;
                }

                _ = Deliver(guardName, device, payload, alertEvent, cancellationToken);
            }
        }
    }

    /// <summary>Sends one push with its tries; never throws.</summary>
    private async Task Deliver(string guard, PushSubscriptionRecord device, string payload, AlertEvent alertEvent, CancellationToken cancellationToken)
    {
        var why = new KeyValuePair<string, object?>("why", alertEvent.Dispatched ? "dispatched" : "raised");
        try
        {
            var subscription = new PushSubscription { Endpoint = device.Endpoint };
            subscription.SetKey(PushEncryptionKeyName.P256DH, device.P256dh);
            subscription.SetKey(PushEncryptionKeyName.Auth, device.Auth);
            var delay = _options.RetryDelay;
            for (var attempt = 1; ; attempt++)
            {
                TimeSpan? retryAfter = null;
                await _inFlight.WaitAsync(cancellationToken);
                try
                {
                    var message = new PushMessage(payload)
                    {
                        Urgency = PushMessageUrgency.High,
                        TimeToLive = (int)_options.TimeToLive.TotalSeconds,
                    };
                    await _client.RequestPushMessageDeliveryAsync(subscription, message, await _keys.Authentication(), cancellationToken);
                    _sent.Add(1, why);
                    _latency.Record(Stopwatch.GetElapsedTime(alertEvent.At).TotalSeconds, why);
                    return;
                }
                catch (PushServiceClientException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
                {
                    // The phone unsubscribed, or the browser's data was cleared: the subscription will never work again.
                    if (await _grains.GetGrain<IPushSubscriptionGrain>(guard).Drop(device.Endpoint))
                    {
                        _gone.Add(1);
                        LogSubscriptionGone(_logger, guard, device.DeviceId, (int)ex.StatusCode);
                    }

                    return;
                }
                catch (PushServiceClientException ex) when (ex.StatusCode is HttpStatusCode.TooManyRequests || (int)ex.StatusCode >= 500)
                {
                    retryAfter = ex.Headers?.RetryAfter?.Delta;
                    if (attempt >= _options.MaxAttempts)
                    {
                        throw;
                    }
                }
                catch (PushServiceClientException)
                {
                    // 400, 401, 403, 413: trying again sends the same refused request.
                    throw;
                }
                catch (HttpRequestException) when (attempt < _options.MaxAttempts)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested && attempt < _options.MaxAttempts)
                {
                    // The request timed out.
                }
                finally
                {
                    _inFlight.Release();
                }

                var wait = retryAfter is { } asked && asked > delay ? (asked < MaxRetryAfter ? asked : MaxRetryAfter) : delay;
                await Task.Delay(wait, cancellationToken);
                delay *= 2;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _failed.Add(1, why);
            LogPushFailed(_logger, ex, guard, device.DeviceId, alertEvent.Alert.AlertId);
        }
        finally
        {
            Done(guard);
        }
    }

    private void Done(string guard)
    {
        if (_pendingByGuard.AddOrUpdate(guard, 0, (_, n) => n - 1) <= 0)
        {
            _pendingByGuard.TryRemove(new KeyValuePair<string, int>(guard, 0));
        }
    }

    /// <summary>The enabled guards of an area, read for each new alert: a guard added a moment ago hears of it too.</summary>
    private async Task<string[]> GuardsOf(string? area)
    {
        if (area is null)
        {
            return [];
        }

        var users = await _grains.GetGrain<IUserDirectoryGrain>(0).All();
        return [.. users.Where(u => u is { Role: Role.Guard, Disabled: false } && u.Areas.Contains(area)).Select(u => u.Name)];
    }

    private async ValueTask<string> PlaceName(string placeId) => (await _grains.GetGrain<ICatalogGrain>(0).Find(placeId))?.Name ?? placeId;

    /// <summary>An alert event as handed over, with when (for the latency).</summary>
    private readonly record struct AlertEvent(AlertView Alert, bool Dispatched, long At);

    [LoggerMessage(LogLevel.Warning, "Could not work out the pushes for alert {AlertId}")]
    private static partial void LogFanOutFailed(ILogger logger, Exception exception, string alertId);

    [LoggerMessage(LogLevel.Warning, "Push to {Guard}'s phone {DeviceId} for alert {AlertId} failed")]
    private static partial void LogPushFailed(ILogger logger, Exception exception, string guard, string deviceId, string alertId);

    [LoggerMessage(LogLevel.Information, "The push service no longer knows {Guard}'s phone {DeviceId} ({Status}): subscription dropped")]
    private static partial void LogSubscriptionGone(ILogger logger, string guard, string deviceId, int status);

    [LoggerMessage(LogLevel.Warning, "{Guard} has too many pushes waiting; this one is dropped")]
    private static partial void LogGuardBound(ILogger logger, string guard);
}
