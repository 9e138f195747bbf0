namespace Pax.Live.Contracts;

/// <summary>The level of a place, as the control room sees it.</summary>
public enum Level : byte
{
    /// <summary>No signal from any device of the place for a while: the picture is not known.</summary>
    Unknown = 0,
    /// <summary>Nothing deviates.</summary>
    Calm = 1,
    /// <summary>A threshold has been exceeded for longer than the dwell time, a camera is tampered with, or a report came in.</summary>
    Elevated = 2,
    /// <summary>An alert-grade cause: an impulse, fire, or a severity-3 report.</summary>
    Alert = 3,
}

/// <summary>Wire names of <see cref="Level"/>.</summary>
public static class Levels
{
    private static readonly string[] Names = ["unknown", "calm", "elevated", "alert"];

    /// <summary>The lower-case wire name, e.g. <c>alert</c>.</summary>
    public static string Name(this Level level) => Names[(int)level];
}
