using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pax.Live.Contracts;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// One file of the log. Records written to it count as outstanding until the dispatcher hears that what they raised is
/// stored; a closed segment with nothing outstanding is deleted (that is the checkpoint).
/// </summary>
public sealed class IngestLogSegment(string path)
{
    private int _outstanding;
    private int _deleted;
    private int _sealed;

    /// <summary>The file.</summary>
    public string Path { get; } = path;

    internal FileStream? Stream { get; set; }

    internal long Bytes { get; set; }

    internal long OpenedAt { get; set; } = Stopwatch.GetTimestamp();

    internal int Outstanding => Volatile.Read(ref _outstanding);

    internal void Add() => Interlocked.Increment(ref _outstanding);

    /// <summary>What one record raised is stored: the segment goes once it is closed and nothing in it is outstanding.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _sealed) == 1)
        {
            Delete();
        }
    }

    internal void Seal()
    {
        Stream?.Dispose();
        Stream = null;
        // A full fence between closing and looking, so that a release racing this one cannot be missed by both.
        Interlocked.Exchange(ref _sealed, 1);
        if (Outstanding == 0)
        {
            Delete();
        }
    }

    private void Delete()
    {
        if (Interlocked.Exchange(ref _deleted, 1) == 0)
        {
            File.Delete(Path);
        }
    }
}

/// <summary>
/// The write-ahead log of accepted alert-grade messages (those with an event, such as impulse, fire or tamper): a
/// message is acknowledged to its publisher only once its record is on disk (fsync), and the log is replayed into
/// ingest at start-up, so an alert the device was told was received survives <c>kill -9</c> and power loss. Replay is
/// safe because an alert's id comes from its reading: a reading handled twice raises one alert.
/// Group commit: records appended while a write is on its way go together in the next write and share its fsync, so
/// a burst of alerts costs a few fsyncs and each waits for at most about two. Periodic readings never come here.
/// One writer thread; appends take a lock only to copy a record of a few dozen bytes into the pending buffer.
/// </summary>
public sealed partial class IngestLog : IDisposable
{
    private const string Extension = ".wal";
    private const byte Version = 1;

    private readonly IngestLogOptions _options;
    private readonly ILogger<IngestLog> _logger;
    private readonly string _directory;
    private readonly FileStream _lock;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _writer;
    private readonly List<IngestLogSegment> _leftOver = [];
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _writing = new(4096);
    private TaskCompletionSource _group = NewGroup();
    private IngestLogSegment _current;
    private long _nextSegment;
    private volatile bool _stopping;

    /// <summary>Opens the log in its folder, taking it for this process alone; leaves what an earlier run left for <see cref="Replay"/>.</summary>
    public IngestLog(IngestLogOptions options, string directory, ILogger<IngestLog> logger)
    {
        _options = options;
        _logger = logger;
        _directory = directory;
        System.IO.Directory.CreateDirectory(directory);

        // Two nodes on one log would replay each other's records and delete each other's segments.
        var lockPath = System.IO.Path.Combine(directory, "lock");
        try
        {
            _lock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"The ingest log {directory} is in use by another process; give every node its own {DataDirectory.Key}.", ex);
        }

        foreach (var file in System.IO.Directory.GetFiles(directory, "*" + Extension).Order(StringComparer.Ordinal))
        {
            _leftOver.Add(new IngestLogSegment(file));
            _nextSegment = Math.Max(_nextSegment, SegmentNumber(file) + 1);
        }

        _current = NewSegment();
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "pax-ingest-log" };
        _writer.Start();
    }

    /// <summary>The log's folder.</summary>
    public string Directory => _directory;

    /// <summary>
    /// Appends the message's record and returns the segment it went to (for <see cref="IngestLogSegment.Release"/>
    /// once it is stored) and a task that completes when the record is on disk.
    /// </summary>
    public Task Append(in IngestEnvelope envelope, out IngestLogSegment segment)
    {
        Span<byte> record = stackalloc byte[RecordBytes(envelope)];
        Encode(envelope, record);
        lock (_gate)
        {
            var wasEmpty = _pending.WrittenCount == 0;
            record.CopyTo(_pending.GetSpan(record.Length));
            _pending.Advance(record.Length);
            segment = _current;
            segment.Add();
            if (wasEmpty)
            {
                _wake.Release();
            }

            return _group.Task;
        }
    }

    /// <summary>
    /// Hands every record an earlier run left (not yet known to be stored) back to ingest, oldest first; each segment
    /// is deleted once everything in it is stored again. A torn record at the end of a segment (the process died in the
    /// middle of writing it, so it was never acknowledged) ends that segment.
    /// </summary>
    public async Task<int> Replay(IngestQueue queue, PlaceDirectory places, CancellationToken cancellationToken)
    {
        var replayed = 0;
        foreach (var segment in _leftOver)
        {
            var bytes = await File.ReadAllBytesAsync(segment.Path, cancellationToken);
            var envelopes = new List<IngestEnvelope>();
            var at = 0;
            while (TryDecode(bytes.AsSpan(at), places, out var envelope, out var length))
            {
                envelope.Logged = segment;
                segment.Add();
                envelopes.Add(envelope);
                at += length;
            }

            if (at < bytes.Length)
            {
                LogTornTail(_logger, segment.Path, bytes.Length - at);
            }

            segment.Seal();
            foreach (var envelope in envelopes)
            {
                await queue.WriteAsync(envelope, cancellationToken);
            }

            replayed += envelopes.Count;
        }

        _leftOver.Clear();
        if (replayed > 0)
        {
            LogReplayed(_logger, replayed);
        }

        return replayed;
    }

    private IngestLogSegment NewSegment() => new(System.IO.Path.Combine(
        _directory, (_nextSegment++).ToString("D20", CultureInfo.InvariantCulture) + Extension));

    private static long SegmentNumber(string file) =>
        long.TryParse(System.IO.Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static TaskCompletionSource NewGroup() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void WriteLoop()
    {
        var ageTicks = (long)(_options.SegmentAge.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var woken = _wake.Wait(_options.SegmentAge);
            TaskCompletionSource group;
            IngestLogSegment segment;
            IngestLogSegment? toSeal = null;
            lock (_gate)
            {
                (_pending, _writing) = (_writing, _pending);
                group = _group;
                _group = NewGroup();
                segment = _current;

                // A segment that has aged is closed after this write: later records go to a new one, and the old one
                // is deleted as soon as what it holds is stored.
                if (segment.Bytes + _writing.WrittenCount > 0 && Stopwatch.GetTimestamp() - segment.OpenedAt >= ageTicks)
                {
                    toSeal = segment;
                    _current = NewSegment();
                }
            }

            if (_writing.WrittenCount > 0)
            {
                try
                {
                    segment.Stream ??= new FileStream(segment.Path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
                    segment.Stream.Write(_writing.WrittenSpan);
                    segment.Stream.Flush(flushToDisk: true);
                    segment.Bytes += _writing.WrittenCount;
                    group.SetResult();
                }
                catch (Exception ex)
                {
                    // Not acknowledged: the publisher is told nothing and sends it again (the message still raises its
                    // alert from memory). The segment is closed, so the next write starts a fresh file.
                    LogWriteFailed(_logger, ex, segment.Path);
                    group.SetException(new IOException($"The ingest log could not be written: {ex.Message}", ex));
                    toSeal ??= SwapOut(segment);
                }

                _writing.Clear();
            }
            else if (!woken)
            {
                // Nobody waits on a group whose buffer is empty; completed anyway, for tidiness.
                group.SetResult();
            }

            toSeal?.Seal();
            if (_stopping)
            {
                return;
            }
        }
    }

    private IngestLogSegment SwapOut(IngestLogSegment segment)
    {
        lock (_gate)
        {
            if (_current == segment)
            {
                _current = NewSegment();
            }
        }

        return segment;
    }

    // A record: length (4 bytes, of what follows the checksum), FNV-1a checksum of the body (4), then the body:
    // version, place, device, timestamp, new-place flag, count, and per signal its kind and value.
    private static int RecordBytes(in IngestEnvelope envelope) =>
        8 + 1 + 2 + Encoding.UTF8.GetByteCount(envelope.PlaceId) + 2 + Encoding.UTF8.GetByteCount(envelope.DeviceId) + 8 + 1 + 1
        + (envelope.Signals.Length * 9);

    private static void Encode(in IngestEnvelope envelope, Span<byte> record)
    {
        var body = record[8..];
        var at = 0;
        body[at++] = Version;
        at += WriteString(body[at..], envelope.PlaceId);
        at += WriteString(body[at..], envelope.DeviceId);
        BinaryPrimitives.WriteInt64LittleEndian(body[at..], envelope.Timestamp);
        at += 8;
        body[at++] = envelope.NewPlace ? (byte)1 : (byte)0;
        var signals = envelope.Signals;
        body[at++] = (byte)signals.Length;
        foreach (var signal in signals)
        {
            body[at++] = (byte)signal.Kind;
            BinaryPrimitives.WriteDoubleLittleEndian(body[at..], signal.Value);
            at += 8;
        }

        BinaryPrimitives.WriteInt32LittleEndian(record, at);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Checksum(body[..at]));
    }

    private static int WriteString(Span<byte> target, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, target[2..]);
        BinaryPrimitives.WriteUInt16LittleEndian(target, (ushort)length);
        return 2 + length;
    }

    private static bool TryDecode(ReadOnlySpan<byte> data, PlaceDirectory places, out IngestEnvelope envelope, out int length)
    {
        envelope = default;
        length = 0;
        if (data.Length < 8)
        {
            return false;
        }

        var bodyLength = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (bodyLength <= 0 || bodyLength > data.Length - 8)
        {
            return false;
        }

        var body = data.Slice(8, bodyLength);
        if (Checksum(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) || body[0] != Version)
        {
            return false;
        }

        var at = 1;
        var placeId = ReadString(body, ref at);
        var deviceId = ReadString(body, ref at);
        var timestamp = BinaryPrimitives.ReadInt64LittleEndian(body[at..]);
        at += 8;
        var newPlace = body[at++] == 1;
        int count = body[at++];
        Span<Signal> signals = stackalloc Signal[Math.Max(1, count)];
        for (var i = 0; i < count; i++)
        {
            signals[i] = new Signal((SignalKind)body[at], BinaryPrimitives.ReadDoubleLittleEndian(body[(at + 1)..]));
            at += 9;
        }

        IngestEnvelope.ForSignals(places.TryGet(placeId, out var known) ? known : placeId, deviceId, timestamp, signals[..count], out envelope);
        envelope.NewPlace = newPlace && !places.TryGet(placeId, out _);
        length = 8 + bodyLength;
        return true;
    }

    private static string ReadString(ReadOnlySpan<byte> body, ref int at)
    {
        var length = BinaryPrimitives.ReadUInt16LittleEndian(body[at..]);
        var value = Encoding.UTF8.GetString(body.Slice(at + 2, length));
        at += 2 + length;
        return value;
    }

    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        var hash = 2166136261u;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping = true;
        _wake.Release();
        _writer.Join(TimeSpan.FromSeconds(5));
        _current.Stream?.Dispose();
        _lock.Dispose();
        _wake.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Replayed {Count} alert-grade messages from the ingest log")]
    private static partial void LogReplayed(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "Ignored the last {Bytes} bytes of {Segment}: a record the process died writing (never acknowledged)")]
    private static partial void LogTornTail(ILogger logger, string segment, int bytes);

    [LoggerMessage(LogLevel.Error, "Could not write the ingest log {Segment}; alert-grade messages are not acknowledged until it can")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string segment);
}
