namespace Pax.Live.Server;

/// <summary>The meter every instrument of the server is on.</summary>
public static class PaxMeter
{
    /// <summary>The meter's name.</summary>
    public const string Name = "Pax.Live";
}
