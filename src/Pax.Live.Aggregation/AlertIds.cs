using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// Alert ids: UUID v7 in form, so sorting by id sorts by time, and derived from the reading that raised the alert
/// rather than drawn at random. A reading delivered twice — a node that raised the alert, announced it and died before
/// its place's snapshot and its acknowledgement, so that the broker hands the reading to another node — raises the
/// same alert again: its grain already holds it, and the feeds announce an id once.
/// </summary>
public static class AlertIds
{
    /// <summary>
    /// The id of the alert that <paramref name="deviceId"/>'s <paramref name="kind"/> reading measured at
    /// <paramref name="readingMs"/> (Unix ms) raised at <paramref name="placeId"/>: the same reading, the same id.
    /// </summary>
    public static string For(string placeId, string deviceId, SignalKind kind, long readingMs)
    {
        Span<byte> id = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{placeId}\n{deviceId}\n{kind.Name()}\n{readingMs}")), id);

        // RFC 9562 layout: 48 bits of Unix milliseconds, the version, 12 bits, the variant, 62 bits; the bits that a
        // random v7 draws come from the hash.
        for (var i = 0; i < 6; i++)
        {
            id[i] = (byte)(readingMs >> (8 * (5 - i)));
        }

        id[6] = (byte)(0x70 | (id[6] & 0x0F));
        id[8] = (byte)(0x80 | (id[8] & 0x3F));
        return Convert.ToHexStringLower(id[..16]);
    }
}
