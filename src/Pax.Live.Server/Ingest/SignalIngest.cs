using System.Buffers;
using System.Collections.Concurrent;
using Pax.Live.Contracts;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// The front of ingest, called for every message a broker receives (the embedded one, or this node's share of an
/// external one): validates topic, place and payload against contract v1, limits each device to its budget, counts the
/// outcome and queues what is accepted for the dispatcher. Rejected messages never get further than a counter.
/// </summary>
public sealed partial class SignalIngest(
    PlaceDirectory places,
    IngestQueue queue,
    IngestStats stats,
    IngestOptions options,
    DeviceIds devices,
    TimeProvider clock,
    ILogger<SignalIngest> logger,
    IngestLog? log = null)
{
    private const int MaxLoggedClients = 10_000;
    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string ClientId, RejectReason Reason), RejectLogEntry> _rejectLog = new();
    private int _rejectLogSize;

    /// <summary>
    /// Takes one published message: validates it against contract v1, spends its device's share of
    /// <paramref name="budget"/> (when the publisher has one; only for messages that are otherwise acceptable, and
    /// knowing whether the message carries an event) and queues it. Returns why it was rejected, or
    /// <see cref="RejectReason.None"/>; <paramref name="kind"/> says what the topic was, for a broker that passes
    /// status messages on (meaningful when the message is accepted).
    /// </summary>
    public ValueTask<RejectReason> AcceptAsync(
        string clientId, string topic, ReadOnlySequence<byte> payload, CancellationToken cancellationToken, out TopicKind kind,
        PublisherBudget? budget = null)
    {
        // Read once: the payload's timestamp is checked against it and the device's budget refilled by it.
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var reason = Validate(topic, payload, now, out var envelope);
        kind = envelope.IsStatus ? TopicKind.Status : TopicKind.Signals;
        if (reason != RejectReason.None)
        {
            return ValueTask.FromResult(Reject(clientId, topic, reason));
        }

        if (budget is not null
            && !budget.TryTake(envelope.DeviceId, envelope.HasEvent || envelope.IsStatus, now))
        {
            envelope.Release();
            return ValueTask.FromResult(Reject(clientId, topic, RejectReason.RateLimited));
        }

        if (envelope.HasEvent && log is not null)
        {
            // Alert-grade: acknowledged only once its record is on disk (the broker answers when this completes).
            return LogThenQueueAsync(envelope, cancellationToken);
        }

        if (queue.TryWrite(envelope))
        {
            stats.Count(RejectReason.None);
            return ValueTask.FromResult(RejectReason.None);
        }

        if (!envelope.IsStatus && !envelope.HasEvent)
        {
            envelope.Release();
            return ValueTask.FromResult(Reject(clientId, topic, RejectReason.Overload));
        }

        return WaitForRoomAsync(envelope, cancellationToken);
    }

    private async ValueTask<RejectReason> LogThenQueueAsync(IngestEnvelope envelope, CancellationToken cancellationToken)
    {
        // Queued before the fsync completes: the alert is raised and announced meanwhile; only the answer waits.
        var durable = log!.Append(envelope, out var segment);
        envelope.Logged = segment;
        if (!queue.TryWrite(envelope))
        {
            await queue.WriteAsync(envelope, cancellationToken);
        }

        stats.Count(RejectReason.None);
        await durable;
        return RejectReason.None;
    }

    private async ValueTask<RejectReason> WaitForRoomAsync(IngestEnvelope envelope, CancellationToken cancellationToken)
    {
        // Events and device status are never dropped: hold the publisher until there is room.
        await queue.WriteAsync(envelope, cancellationToken);
        stats.Count(RejectReason.None);
        return RejectReason.None;
    }

    private RejectReason Validate(string topic, in ReadOnlySequence<byte> payload, long now, out IngestEnvelope envelope)
    {
        envelope = default;
        var reason = Topic.TryParse(topic, out var parsed);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        if (payload.Length > SignalPayload.MaxBytes)
        {
            return RejectReason.TooLarge;
        }

        var newPlace = false;
        if (!places.TryGet(topic.AsSpan()[parsed.Place], out var placeId))
        {
            if (!options.AcceptNewPlaces)
            {
                return RejectReason.UnknownPlace;
            }

            placeId = topic[parsed.Place];
            newPlace = true;
        }

        var deviceId = devices.Intern(topic.AsSpan()[parsed.Device]);
        if (parsed.Kind == TopicKind.Status)
        {
            reason = DeviceStatus.TryParse(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray(), out var online);
            envelope = IngestEnvelope.ForStatus(placeId, deviceId, online);
            envelope.NewPlace = newPlace;
            return reason;
        }

        Span<Signal> signals = stackalloc Signal[SignalPayload.MaxSignals];
        reason = SignalPayload.Parse(payload, now, signals, out var timestamp, out var count);
        if (reason != RejectReason.None)
        {
            return reason;
        }

        IngestEnvelope.ForSignals(placeId, deviceId, timestamp, signals[..count], out envelope);
        envelope.NewPlace = newPlace;
        return RejectReason.None;
    }

    /// <summary>Counts and logs a message refused before ingest looked at it (the broker's topic rules).</summary>
    public RejectReason Refuse(string clientId, string topic, RejectReason reason) => Reject(clientId, topic, reason);

    private RejectReason Reject(string clientId, string topic, RejectReason reason)
    {
        stats.Count(reason);
        if (!logger.IsEnabled(LogLevel.Warning))
        {
            return reason;
        }

        // At most one line per client and reason per minute: a misconfigured device must not flood the log, and
        // one kind of mistake must not hide another (a broken payload right after a refused topic still shows).
        // The size is kept apart: ConcurrentDictionary.Count takes every lock, and an overloaded broker rejects every
        // message from every connection at once (it was the costliest step of an overloaded server).
        var now = clock.GetUtcNow();
        if (Volatile.Read(ref _rejectLogSize) >= MaxLoggedClients)
        {
            _rejectLog.Clear();
            Volatile.Write(ref _rejectLogSize, 0);
        }

        var key = (clientId, reason);
        var entry = _rejectLog.AddOrUpdate(
            key,
            static (_, arg) =>
            {
                // An approximate count (the factory may run twice in a race) is enough to bound the table.
                Interlocked.Increment(ref arg.Ingest._rejectLogSize);
                return new RejectLogEntry(arg.Now, 0, Logged: true);
            },
            static (_, previous, arg) => arg.Now - previous.LoggedAt >= LogEvery
                ? new RejectLogEntry(arg.Now, previous.Suppressed, Logged: true)
                : previous with { Suppressed = previous.Suppressed + 1, Logged = false },
            (Now: now, Ingest: this));
        if (entry.Logged)
        {
            LogRejected(logger, clientId, topic, reason.Name(), entry.Suppressed);
            _rejectLog[key] = entry with { Suppressed = 0 };
        }

        return reason;
    }

    [LoggerMessage(LogLevel.Warning, "Rejected a message from client {ClientId} on {Topic}: {Reason} ({Suppressed} more from this client for this reason since the last line)")]
    private static partial void LogRejected(ILogger logger, string clientId, string topic, string reason, long suppressed);

    private readonly record struct RejectLogEntry(DateTimeOffset LoggedAt, long Suppressed, bool Logged);
}
