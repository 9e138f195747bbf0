namespace Pax.Live.Contracts;

/// <summary>The payload of a status topic: <c>online</c> or <c>offline</c>.</summary>
public static class DeviceStatus
{
    /// <summary>The payload a device publishes, retained, when it connects.</summary>
    public const string Online = "online";

    /// <summary>The payload a device sets as its will and publishes, retained, when it leaves.</summary>
    public const string Offline = "offline";

    /// <summary>Parses a status payload; anything but the two exact words is <see cref="RejectReason.BadStatus"/>.</summary>
    public static RejectReason TryParse(ReadOnlySpan<byte> utf8, out bool online)
    {
        online = utf8.SequenceEqual("online"u8);
        return online || utf8.SequenceEqual("offline"u8) ? RejectReason.None : RejectReason.BadStatus;
    }
}
