namespace Pax.Live.Edge.Mqtt;

/// <summary>Where a device's messages go: the MQTT publisher of a live device, or the JSON-lines writer of <c>analyse</c>.</summary>
public interface ISignalSink
{
    /// <summary>Hands a message over; never blocks the camera for long.</summary>
    void Publish(SignalMessage message);
}
