namespace Pax.Live.Edge.Options;

/// <summary>An audio-only device (a sensor box's microphone): where its sound comes from and why it may listen.</summary>
public sealed class MicrophoneOptions : AudioOptions
{
    /// <summary>The device id on the wire (<c>^[a-z0-9][a-z0-9-]{0,63}$</c>).</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>The place the microphone hears, as in the server's catalogue.</summary>
    public string PlaceId { get; set; } = "";

    /// <summary>Why this microphone listens: sound in a public place needs a stated purpose of its own.</summary>
    public string Purpose { get; set; } = "";

    /// <summary>The legal basis (permit, decision or GDPR article) the listening rests on.</summary>
    public string LegalBasis { get; set; } = "";

    /// <summary>Play a file source again from the start when it ends (demos).</summary>
    public bool Loop { get; set; }

    /// <summary>This device's own MQTT credentials; empty: the process-wide <c>Mqtt</c> ones.</summary>
    public DeviceCredentials Credentials { get; set; } = new();

    /// <summary>Every reason this microphone must not start; empty when it may.</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        var name = string.IsNullOrWhiteSpace(DeviceId) ? "(a microphone without deviceId)" : DeviceId;
        errors.AddRange(DeviceValidation.Validate(name, "microphone", "listen", DeviceId, PlaceId, Source, Purpose, LegalBasis));
        errors.AddRange(ValidateAudio(name));
        return errors;
    }
}
