using System.Globalization;
using System.Xml;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Catalog;

/// <summary>The image formats a site plan may be, checked by their bytes as well as their declared type.</summary>
public static class SitePlanImage
{
    /// <summary>The media types accepted.</summary>
    public static readonly string[] Types = ["image/png", "image/jpeg", "image/svg+xml"];

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// Whether the bytes are what <paramref name="type"/> says. An SVG must be a plain drawing: XML without a DTD whose
    /// root is <c>svg</c>, with no scripts, event handlers or embedded foreign content (the page draws it as an image,
    /// but its URL can also be opened on its own).
    /// </summary>
    public static string? Mismatch(string type, byte[] bytes) => type switch
    {
        "image/png" => bytes.AsSpan().StartsWith(PngSignature) ? null : "The body is not a PNG image.",
        "image/jpeg" => bytes is [0xFF, 0xD8, 0xFF, ..] ? null : "The body is not a JPEG image.",
        "image/svg+xml" => SvgProblem(bytes),
        _ => $"Site plan images are {string.Join(", ", Types)}.",
    };

    /// <summary>Reads a corner, <c>latitude,longitude</c>.</summary>
    public static bool TryParseCorner(string? text, out GeoPoint point)
    {
        point = default;
        var parts = text?.Split(',') ?? [];
        if (parts.Length != 2 ||
            !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var latitude) ||
            !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var longitude) ||
            latitude is not (>= -90 and <= 90) || longitude is not (>= -180 and <= 180))
        {
            return false;
        }

        point = new GeoPoint(latitude, longitude);
        return true;
    }

    /// <summary>Whether the four corners span an area (not all on one line or one point), so the image can be placed on them.</summary>
    public static bool SpansArea(ImageCorners c)
    {
        GeoPoint[] ring = [c.TopLeft, c.TopRight, c.BottomRight, c.BottomLeft];
        var twiceArea = 0.0;
        for (var i = 0; i < ring.Length; i++)
        {
            var (a, b) = (ring[i], ring[(i + 1) % ring.Length]);
            twiceArea += (a.Longitude * b.Latitude) - (b.Longitude * a.Latitude);
        }

        return Math.Abs(twiceArea) > 1e-10;
    }

    private static string? SvgProblem(byte[] bytes)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, IgnoreComments = true };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(bytes), settings);
            var root = true;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (root && reader.LocalName != "svg")
                {
                    return "The body is not an SVG image.";
                }

                root = false;
                if (reader.LocalName is "script" or "foreignObject" or "iframe" or "object" or "embed")
                {
                    return $"An SVG site plan may not hold <{reader.LocalName}>.";
                }

                while (reader.MoveToNextAttribute())
                {
                    if (reader.LocalName.StartsWith("on", StringComparison.OrdinalIgnoreCase) ||
                        (reader.LocalName == "href" && reader.Value.TrimStart().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase)))
                    {
                        return $"An SVG site plan may not hold scripts ({reader.LocalName}).";
                    }
                }
            }

            return root ? "The body is not an SVG image." : null;
        }
        catch (XmlException ex)
        {
            return $"The body is not an SVG image: {ex.Message}";
        }
    }
}
