using Pax.Live.Contracts;

namespace Pax.Live.Edge.Options;

/// <summary>What every device (camera or microphone) must state before it may start, checked the same way for each.</summary>
internal static class DeviceValidation
{
    /// <summary>
    /// The reasons a device's ids, source, purpose and legal basis forbid it to start, each prefixed with
    /// <paramref name="name"/>; <paramref name="kind"/> and <paramref name="senses"/> word the law's requirement
    /// ("a camera may not film …", "a microphone may not listen …").
    /// </summary>
    public static IEnumerable<string> Validate(string name, string kind, string senses, string deviceId, string placeId, string source, string purpose, string legalBasis)
    {
        if (!Ids.IsValid(deviceId))
        {
            yield return $"{name}: deviceId must match ^[a-z0-9][a-z0-9-]{{0,63}}$.";
        }

        if (!Ids.IsValid(placeId))
        {
            yield return $"{name}: placeId must match ^[a-z0-9][a-z0-9-]{{0,63}}$.";
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            yield return $"{name}: source is missing.";
        }

        if (string.IsNullOrWhiteSpace(purpose))
        {
            yield return $"{name}: purpose is missing; a {kind} may not {senses} without a stated purpose.";
        }

        if (string.IsNullOrWhiteSpace(legalBasis))
        {
            yield return $"{name}: legalBasis is missing; a {kind} may not {senses} without a legal basis.";
        }
    }
}
