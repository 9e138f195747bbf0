using System.Text;
using System.Text.Json;

namespace Pax.Live.Server.Catalog;

/// <summary>
/// Checks a GeoJSON FeatureCollection of streets and squares and rewrites it with only what the map draws: each
/// feature's geometry (Point, LineString, MultiLineString, Polygon, MultiPolygon) and its <c>name</c> and <c>kind</c>.
/// </summary>
public static class SitePlanOutlines
{
    /// <summary>The most features one plan holds.</summary>
    public const int MaxFeatures = 5000;

    /// <summary>The most positions one plan holds.</summary>
    public const int MaxPositions = 200_000;

    /// <summary>The longest name or kind, in characters.</summary>
    public const int MaxText = 100;

    /// <summary>The normalised text, or null with the errors keyed by JSON path as in ProblemDetails.</summary>
    public static string? Normalise(ReadOnlySpan<byte> utf8, out Dictionary<string, string[]> errors)
    {
        errors = [];
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 16 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            errors["body"] = [$"Not JSON: {ex.Message}"];
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !IsString(root, "type", "FeatureCollection"))
            {
                errors["type"] = ["A GeoJSON FeatureCollection is required."];
                return null;
            }

            if (!root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            {
                errors["features"] = ["A FeatureCollection needs an array of features."];
                return null;
            }

            if (features.GetArrayLength() is 0 or > MaxFeatures)
            {
                errors["features"] = [$"From 1 to {MaxFeatures} features."];
                return null;
            }

            var positions = 0;
            var index = 0;
            foreach (var feature in features.EnumerateArray())
            {
                CheckFeature(feature, $"features[{index}]", errors, ref positions);
                index++;
                if (errors.Count >= 20)
                {
                    break;
                }
            }

            if (positions > MaxPositions)
            {
                errors["features"] = [$"At most {MaxPositions} positions in all."];
            }

            return errors.Count > 0 ? null : Write(features);
        }
    }

    private static void CheckFeature(JsonElement feature, string path, Dictionary<string, string[]> errors, ref int positions)
    {
        if (feature.ValueKind != JsonValueKind.Object || !IsString(feature, "type", "Feature"))
        {
            errors[path] = ["A GeoJSON Feature is required."];
            return;
        }

        if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors[path + ".properties"] = ["Properties are an object."];
        }
        else if (properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in (ReadOnlySpan<string>)["name", "kind"])
            {
                if (properties.TryGetProperty(key, out var text) && text.ValueKind != JsonValueKind.Null &&
                    (text.ValueKind != JsonValueKind.String || text.GetString()!.Trim().Length is 0 or > MaxText))
                {
                    errors[$"{path}.properties.{key}"] = [$"A {key} is a string of 1 to {MaxText} characters."];
                }
            }
        }

        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind != JsonValueKind.Object ||
            !geometry.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String ||
            !geometry.TryGetProperty("coordinates", out var coordinates))
        {
            errors[path + ".geometry"] = ["A geometry with a type and coordinates is required."];
            return;
        }

        var ok = type.GetString() switch
        {
            "Point" => Position(coordinates, ref positions),
            "LineString" => Line(coordinates, 2, closed: false, ref positions),
            "MultiLineString" => Many(coordinates, (JsonElement c, ref int n) => Line(c, 2, closed: false, ref n), ref positions),
            "Polygon" => Polygon(coordinates, ref positions),
            "MultiPolygon" => Many(coordinates, Polygon, ref positions),
            _ => false,
        };
        if (!ok)
        {
            errors[path + ".geometry"] = ["A Point, LineString, MultiLineString, Polygon or MultiPolygon of [longitude, latitude] positions " +
                "(longitude -180 to 180, latitude -90 to 90; a line of 2 or more, a ring of 4 or more that closes) is required."];
        }
    }

    private delegate bool Check(JsonElement element, ref int positions);

    private static bool Many(JsonElement element, Check each, ref int positions)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            return false;
        }

        foreach (var item in element.EnumerateArray())
        {
            if (!each(item, ref positions))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Polygon(JsonElement element, ref int positions) =>
        Many(element, (JsonElement ring, ref int n) => Line(ring, 4, closed: true, ref n), ref positions);

    private static bool Line(JsonElement element, int least, bool closed, ref int positions)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() < least || !Many(element, Position, ref positions))
        {
            return false;
        }

        if (!closed)
        {
            return true;
        }

        var first = element[0];
        var last = element[element.GetArrayLength() - 1];
        return first[0].GetDouble() == last[0].GetDouble() && first[1].GetDouble() == last[1].GetDouble();
    }

    private static bool Position(JsonElement element, ref int positions)
    {
        positions++;
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() is < 2 or > 3)
        {
            return false;
        }

        foreach (var number in element.EnumerateArray())
        {
            if (number.ValueKind != JsonValueKind.Number || !double.IsFinite(number.GetDouble()))
            {
                return false;
            }
        }

        return element[0].GetDouble() is >= -180 and <= 180 && element[1].GetDouble() is >= -90 and <= 90;
    }

    private static bool IsString(JsonElement element, string property, string value) =>
        element.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String && p.ValueEquals(value);

    private static string Write(JsonElement features)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "FeatureCollection");
            writer.WriteStartArray("features");
            foreach (var feature in features.EnumerateArray())
            {
                writer.WriteStartObject();
                writer.WriteString("type", "Feature");
                writer.WriteStartObject("properties");
                if (feature.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                {
                    foreach (var key in (ReadOnlySpan<string>)["name", "kind"])
                    {
                        if (properties.TryGetProperty(key, out var text) && text.ValueKind == JsonValueKind.String)
                        {
                            writer.WriteString(key, text.GetString()!.Trim());
                        }
                    }
                }

                writer.WriteEndObject();
                var geometry = feature.GetProperty("geometry");
                writer.WriteStartObject("geometry");
                writer.WriteString("type", geometry.GetProperty("type").GetString());
                writer.WritePropertyName("coordinates");
                geometry.GetProperty("coordinates").WriteTo(writer);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
