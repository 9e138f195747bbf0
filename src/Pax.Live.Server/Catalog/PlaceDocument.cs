using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Catalog;

/// <summary>A place as written in the catalogue file and in <c>PUT /api/places/{id}</c>.</summary>
public sealed record PlaceDocument
{
    /// <summary>The id (in the file; the URL's id wins in the API).</summary>
    public string? Id { get; init; }

    /// <summary>Display name, e.g. "Stora torget".</summary>
    public string? Name { get; init; }

    /// <summary>What kind of place: <c>torg</c>, <c>street</c>, <c>park</c>, …</summary>
    public string? Kind { get; init; }

    /// <summary>WGS 84 latitude.</summary>
    public double? Latitude { get; init; }

    /// <summary>WGS 84 longitude.</summary>
    public double? Longitude { get; init; }

    /// <summary>The area the place belongs to (guards are assigned to areas), e.g. <c>centrum</c>.</summary>
    public string? Area { get; init; }

    /// <summary>Thresholds and dwell time; none means the place is only raised by events.</summary>
    public ThresholdsDocument? Thresholds { get; init; }

    /// <summary>Checks the document and makes a definition of it; the errors are keyed by field, as in ProblemDetails.</summary>
    public Dictionary<string, string[]> Validate(string id, out PlaceDefinition? definition)
    {
        var errors = new Dictionary<string, string[]>();
        definition = null;
        if (!Ids.IsValid(id))
        {
            errors["id"] = ["An id is 1 to 64 characters of a-z, 0-9 and '-', not starting with '-'."];
        }

        if (string.IsNullOrWhiteSpace(Name) || Name.Length > 100)
        {
            errors["name"] = ["A name of 1 to 100 characters is required."];
        }

        if (Kind is null || !Ids.IsValid(Kind))
        {
            errors["kind"] = ["A kind such as 'torg', 'street' or 'park' is required (a-z, 0-9, '-')."];
        }

        if (Latitude is not (>= -90 and <= 90))
        {
            errors["latitude"] = ["A latitude from -90 to 90 is required."];
        }

        if (Longitude is not (>= -180 and <= 180))
        {
            errors["longitude"] = ["A longitude from -180 to 180 is required."];
        }

        if (Area is not null && !Ids.IsValid(Area))
        {
            errors["area"] = ["An area id is 1 to 64 characters of a-z, 0-9 and '-'."];
        }

        var t = Thresholds ?? new ThresholdsDocument();
        CheckThreshold(errors, "thresholds.motion", t.Motion, SignalKind.Motion);
        CheckThreshold(errors, "thresholds.people", t.People, SignalKind.People);
        CheckThreshold(errors, "thresholds.loiter", t.Loiter, SignalKind.Loiter);
        CheckThreshold(errors, "thresholds.sound", t.Sound, SignalKind.Sound);
        if (t.DwellSeconds is < 0 or > 3600)
        {
            errors["thresholds.dwellSeconds"] = ["A dwell time from 0 to 3600 seconds."];
        }

        if (errors.Count == 0)
        {
            definition = new PlaceDefinition(
                id,
                Name!.Trim(),
                Kind!,
                Latitude!.Value,
                Longitude!.Value,
                new PlaceThresholds(t.Motion, t.People, t.Loiter, t.Sound, t.DwellSeconds ?? PlaceThresholds.None.DwellSeconds),
                Area);
        }

        return errors;
    }

    /// <summary>The document of a definition.</summary>
    public static PlaceDocument From(PlaceDefinition definition) => new()
    {
        Id = definition.Id,
        Name = definition.Name,
        Kind = definition.Kind,
        Latitude = definition.Latitude,
        Longitude = definition.Longitude,
        Area = definition.Area,
        Thresholds = new ThresholdsDocument
        {
            Motion = definition.Thresholds.Motion,
            People = definition.Thresholds.People,
            Loiter = definition.Thresholds.Loiter,
            Sound = definition.Thresholds.Sound,
            DwellSeconds = definition.Thresholds.DwellSeconds,
        },
    };

    private static void CheckThreshold(Dictionary<string, string[]> errors, string field, double? value, SignalKind kind)
    {
        if (value is { } v && (!double.IsFinite(v) || !kind.IsInRange(kind == SignalKind.People ? Math.Floor(v) : v)))
        {
            errors[field] = [$"A {kind.Name()} threshold must be within the range of {kind.Name()} values."];
        }
    }
}

/// <summary>Thresholds of the periodic kinds; a missing one means that kind never raises the place.</summary>
public sealed record ThresholdsDocument
{
    /// <summary>Motion share, 0..1.</summary>
    public double? Motion { get; init; }

    /// <summary>People count.</summary>
    public double? People { get; init; }

    /// <summary>Loiter seconds.</summary>
    public double? Loiter { get; init; }

    /// <summary>Sound level, dBA.</summary>
    public double? Sound { get; init; }

    /// <summary>Seconds a kind must stay over its threshold before the place is elevated.</summary>
    public int? DwellSeconds { get; init; }
}
