using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Options;

/// <summary>One camera: where its frames come from, why it may film, what it watches and what it reports.</summary>
public sealed class CameraOptions
{
    /// <summary>The device id on the wire (<c>^[a-z0-9][a-z0-9-]{0,63}$</c>).</summary>
    public string DeviceId { get; set; } = "";

    /// <summary>The place the camera watches, as in the server's catalogue.</summary>
    public string PlaceId { get; set; } = "";

    /// <summary>An RTSP URL or any other URL FFmpeg reads (through the <c>ffmpeg</c> program), an HTTP(S) MJPEG stream URL (credentials may be in it), a V4L2 device (<c>/dev/video0</c> or <c>0</c>), or a video file.</summary>
    public string Source { get; set; } = "";

    /// <summary>
    /// For sources read through ffmpeg (RTSP…): the height frames are scaled to before they reach the agent, width
    /// keeping the aspect (0: the camera's own size). A 1080p camera costs HOG ~5× what 576 lines do.
    /// </summary>
    public int DecodeHeight { get; set; }

    /// <summary>Play a video file again from the start when it ends (demos).</summary>
    public bool Loop { get; set; }

    /// <summary>Why this camera films (camera-surveillance law: every camera needs a stated purpose).</summary>
    public string Purpose { get; set; } = "";

    /// <summary>The legal basis: permit, decision or GDPR article the filming rests on.</summary>
    public string LegalBasis { get; set; } = "";

    /// <summary>This camera's own MQTT credentials (each camera is its own device); empty: the process-wide <c>Mqtt</c> ones.</summary>
    public DeviceCredentials Credentials { get; set; } = new();

    /// <summary>Messages per second (all kinds of this camera in one message).</summary>
    public double RateHz { get; set; } = 2;

    /// <summary>Polygons blacked out before any analysis, in frame fractions: <c>"x,y x,y x,y …"</c>.</summary>
    public List<string> PrivacyMasks { get; set; } = [];

    /// <summary>Polygons watched, in frame fractions; none means the whole frame.</summary>
    public List<string> Zones { get; set; } = [];

    /// <summary>The motion analyser.</summary>
    public MotionOptions Motion { get; set; } = new();

    /// <summary>The people analyser.</summary>
    public PeopleOptions People { get; set; } = new();

    /// <summary>The loiter analyser.</summary>
    public LoiterOptions Loiter { get; set; } = new();

    /// <summary>The tamper analyser.</summary>
    public TamperOptions Tamper { get; set; } = new();

    /// <summary>The fire analyser.</summary>
    public FireOptions Fire { get; set; } = new();

    /// <summary>The camera's sound: its level goes out with the periodic readings, bangs as <c>impulse</c> events.</summary>
    public AudioOptions Audio { get; set; } = new();

    /// <summary>Every reason this camera must not start; empty when it may.</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        var name = string.IsNullOrWhiteSpace(DeviceId) ? "(a camera without deviceId)" : DeviceId;
        errors.AddRange(DeviceValidation.Validate(name, "camera", "film", DeviceId, PlaceId, Source, Purpose, LegalBasis));

        if (DecodeHeight != 0 && DecodeHeight is < 48 or > 4320)
        {
            errors.Add($"{name}: decodeHeight must be 0 (the camera's size) or 48..4320.");
        }

        if (RateHz is <= 0 or > 25)
        {
            errors.Add($"{name}: rateHz must be in (0, 25].");
        }

        if (Audio.Enabled)
        {
            errors.AddRange(Audio.ValidateAudio(name));
        }

        foreach (var polygon in PrivacyMasks.Concat(Zones))
        {
            try
            {
                Polygons.Parse(polygon);
            }
            catch (FormatException e)
            {
                errors.Add($"{name}: {e.Message}");
            }
        }

        return errors;
    }
}
