namespace Pax.Live.Contracts;

/// <summary>The kinds of signal in wire contract v1. The numeric values are stable: they index arrays in the core.</summary>
public enum SignalKind : byte
{
    /// <summary>Share of the watched area in motion, 0..1.</summary>
    Motion = 0,
    /// <summary>People counted in the watched zones, a whole number ≥ 0.</summary>
    People = 1,
    /// <summary>Seconds that presence has persisted in a watched zone.</summary>
    Loiter = 2,
    /// <summary>Sound level in dBA, 0..194.</summary>
    Sound = 3,
    /// <summary>1 = an impulsive bang (shot- or explosion-like); 0 = none.</summary>
    Impulse = 4,
    /// <summary>Fire confidence, 0..1.</summary>
    Fire = 5,
    /// <summary>1 = camera covered, blinded or moved; 0 = clear.</summary>
    Tamper = 6,
    /// <summary>A person's observation, severity 1..3.</summary>
    Report = 7,
}

/// <summary>Names, ranges and classes of <see cref="SignalKind"/>.</summary>
public static class SignalKinds
{
    /// <summary>How many kinds there are; kinds are 0..Count-1.</summary>
    public const int Count = 8;

    private static readonly string[] Names = ["motion", "people", "loiter", "sound", "impulse", "fire", "tamper", "report"];

    /// <summary>Every kind, in numeric order.</summary>
    public static ReadOnlySpan<SignalKind> All =>
    [
        SignalKind.Motion, SignalKind.People, SignalKind.Loiter, SignalKind.Sound,
        SignalKind.Impulse, SignalKind.Fire, SignalKind.Tamper, SignalKind.Report,
    ];

    /// <summary>The wire name of a kind, e.g. <c>motion</c>.</summary>
    public static string Name(this SignalKind kind) => Names[(int)kind];

    /// <summary>Finds a kind by its wire name given as UTF-8 bytes; names are lower case and exact.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Name, out SignalKind kind)
    {
        // A switch on length then bytes: no string, no hashing, and the JIT folds the literals.
        kind = default;
        switch (utf8Name.Length)
        {
            case 4 when utf8Name.SequenceEqual("fire"u8): kind = SignalKind.Fire; return true;
            case 5 when utf8Name.SequenceEqual("sound"u8): kind = SignalKind.Sound; return true;
            case 6 when utf8Name.SequenceEqual("motion"u8): kind = SignalKind.Motion; return true;
            case 6 when utf8Name.SequenceEqual("people"u8): kind = SignalKind.People; return true;
            case 6 when utf8Name.SequenceEqual("loiter"u8): kind = SignalKind.Loiter; return true;
            case 6 when utf8Name.SequenceEqual("tamper"u8): kind = SignalKind.Tamper; return true;
            case 6 when utf8Name.SequenceEqual("report"u8): kind = SignalKind.Report; return true;
            case 7 when utf8Name.SequenceEqual("impulse"u8): kind = SignalKind.Impulse; return true;
            default: return false;
        }
    }

    /// <summary>Finds a kind by its wire name.</summary>
    public static bool TryParse(string name, out SignalKind kind)
    {
        var index = Array.IndexOf(Names, name);
        kind = (SignalKind)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>
    /// Event kinds are rare and each one matters: they are never dropped under load and always travel with QoS 1.
    /// The others are periodic levels that the next reading supersedes.
    /// </summary>
    public static bool IsEvent(this SignalKind kind) => kind >= SignalKind.Impulse;

    /// <summary>Whether <paramref name="value"/> is in the contract's range for <paramref name="kind"/>. The value must be finite.</summary>
    public static bool IsInRange(this SignalKind kind, double value) => kind switch
    {
        SignalKind.Motion or SignalKind.Fire => value is >= 0 and <= 1,
        SignalKind.People => value is >= 0 and <= MaxPeople && IsWhole(value),
        SignalKind.Loiter => value is >= 0 and <= MaxLoiterSeconds,
        SignalKind.Sound => value is >= 0 and <= MaxSoundDba,
        SignalKind.Impulse or SignalKind.Tamper => value is 0 or 1,
        SignalKind.Report => value is 1 or 2 or 3,
        _ => false,
    };

    /// <summary>The largest people count accepted from one device.</summary>
    public const double MaxPeople = 100_000;

    /// <summary>The longest loiter time accepted, one day in seconds.</summary>
    public const double MaxLoiterSeconds = 86_400;

    /// <summary>The loudest sound accepted: 194 dBA is the loudest undistorted sound in air.</summary>
    public const double MaxSoundDba = 194;

    private static bool IsWhole(double value) => value == Math.Floor(value);
}
