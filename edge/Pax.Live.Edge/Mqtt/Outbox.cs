namespace Pax.Live.Edge.Mqtt;

/// <summary>
/// Alert-grade messages waiting on disk while the broker is unreachable: one file per message, written whole and
/// renamed into place so a power cut leaves either the message or nothing. Bounded: when full, the oldest goes.
/// Messages keep their original <c>ts</c>; the server files late readings as history.
/// </summary>
public sealed class Outbox
{
    private const string Extension = ".msg";

    private readonly string _directory;
    private readonly int _maxMessages;
    private readonly SortedSet<string> _files = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private long _sequence;

    /// <summary>Opens (and creates) the outbox in <paramref name="directory"/>, picking up what an earlier run left.</summary>
    public Outbox(string directory, int maxMessages)
    {
        _directory = directory;
        _maxMessages = Math.Max(1, maxMessages);
        Directory.CreateDirectory(directory);
        foreach (var path in Directory.EnumerateFiles(directory, "*" + Extension))
        {
            _files.Add(Path.GetFileName(path));
        }

        _sequence = _files.Count == 0 ? 0 : long.Parse(Path.GetFileNameWithoutExtension(_files.Max!)[..20], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Messages waiting.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _files.Count;
            }
        }
    }

    /// <summary>Messages dropped because the outbox was full.</summary>
    public long Dropped { get; private set; }

    /// <summary>Keeps a payload until it can be sent.</summary>
    public void Add(byte[] payload)
    {
        lock (_lock)
        {
            while (_files.Count >= _maxMessages)
            {
                var oldest = _files.Min!;
                File.Delete(Path.Combine(_directory, oldest));
                _files.Remove(oldest);
                Dropped++;
            }

            // A zero-padded sequence keeps the files in the order they were written, across restarts.
            var name = $"{++_sequence:D20}{Extension}";
            var path = Path.Combine(_directory, name);
            var temporary = path + ".tmp";
            File.WriteAllBytes(temporary, payload);
            File.Move(temporary, path, overwrite: true);
            _files.Add(name);
        }
    }

    /// <summary>The oldest waiting message, or false when there is none.</summary>
    public bool TryPeek(out string name, out byte[] payload)
    {
        lock (_lock)
        {
            if (_files.Count == 0)
            {
                name = "";
                payload = [];
                return false;
            }

            name = _files.Min!;
            payload = File.ReadAllBytes(Path.Combine(_directory, name));
            return true;
        }
    }

    /// <summary>Removes a message once the broker has acknowledged it.</summary>
    public void Remove(string name)
    {
        lock (_lock)
        {
            if (_files.Remove(name))
            {
                File.Delete(Path.Combine(_directory, name));
            }
        }
    }
}
