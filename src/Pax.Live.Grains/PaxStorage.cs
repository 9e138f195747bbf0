namespace Pax.Live.Grains;

/// <summary>The grain storage provider every Pax.Live grain uses.</summary>
public static class PaxStorage
{
    /// <summary>The provider's name.</summary>
    public const string Name = "pax";
}
