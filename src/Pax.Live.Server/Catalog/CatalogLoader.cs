using System.Text.Json;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Catalog;

/// <summary>
/// At start: adds the seed file's missing places to the catalogue (existing ones keep their edits), then loads every
/// place id into this host's <see cref="PlaceDirectory"/> before the broker opens.
/// </summary>
public sealed partial class CatalogLoader(
    CatalogOptions options,
    IGrainFactory grains,
    PlaceDirectory places,
    ILogger<CatalogLoader> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        if (!string.IsNullOrWhiteSpace(options.SeedFile))
        {
            var seed = await ReadSeed(options.SeedFile, cancellationToken);
            var added = await catalog.AddMissing(seed);
            LogSeeded(logger, added, seed.Length, options.SeedFile);
            if (!string.IsNullOrWhiteSpace(options.SitePlanSeedFile))
            {
                await SeedSitePlans(seed, cancellationToken);
            }
        }

        foreach (var place in await catalog.GetAll())
        {
            places.Add(place.Id);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads and validates a catalogue file; a bad entry stops the start with a message naming it.</summary>
    public static async Task<PlaceDefinition[]> ReadSeed(string path, CancellationToken cancellationToken)
    {
        var fullPath = Path.IsPathRooted(path) ? path : Path.Combine(AppContext.BaseDirectory, path);
        await using var stream = File.OpenRead(fullPath);
        var documents = await JsonSerializer.DeserializeAsync<PlaceDocument[]>(stream, JsonSerializerOptions.Web, cancellationToken) ?? [];
        var definitions = new List<PlaceDefinition>(documents.Length);
        foreach (var document in documents)
        {
            var errors = document.Validate(document.Id ?? "", out var definition);
            if (errors.Count > 0)
            {
                var detail = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}"));
                throw new InvalidDataException($"Place '{document.Id}' in {fullPath} is invalid: {detail}");
            }

            definitions.Add(definition!);
        }

        return [.. definitions];
    }

    private async Task SeedSitePlans(PlaceDefinition[] seed, CancellationToken cancellationToken)
    {
        var path = Path.IsPathRooted(options.SitePlanSeedFile) ? options.SitePlanSeedFile : Path.Combine(AppContext.BaseDirectory, options.SitePlanSeedFile);
        var areas = seed.Select(p => p.Area).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var seeded = 0;
        foreach (var (area, outlines) in await ReadSitePlans(path, cancellationToken))
        {
            if (areas.Contains(area) &&
                await grains.GetGrain<ISitePlanGrain>(area).SeedIfNew(new SitePlan(area, outlines, null, null, null, DateTimeOffset.UtcNow, Actor.System.Name)))
            {
                seeded++;
            }
        }

        LogPlansSeeded(logger, seeded, options.SitePlanSeedFile);
    }

    /// <summary>Reads and checks a site plan seed file: area id → GeoJSON FeatureCollection; a bad plan stops the start with a message naming it.</summary>
    public static async Task<List<(string Area, string Outlines)>> ReadSitePlans(string path, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        using var document = JsonDocument.Parse(bytes);
        var plans = new List<(string, string)>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var outlines = SitePlanOutlines.Normalise(System.Text.Encoding.UTF8.GetBytes(property.Value.GetRawText()), out var errors);
            if (!Contracts.Ids.IsValid(property.Name) || outlines is null)
            {
                var detail = string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}"));
                throw new InvalidDataException($"Site plan '{property.Name}' in {path} is invalid: {(detail.Length > 0 ? detail : "not an area id")}");
            }

            plans.Add((property.Name, outlines));
        }

        return plans;
    }

    [LoggerMessage(LogLevel.Information, "Catalogue: stored {Seeded} sample site plans from {File}")]
    private static partial void LogPlansSeeded(ILogger logger, int seeded, string file);

    [LoggerMessage(LogLevel.Information, "Catalogue: added {Added} of {Total} places from {File}")]
    private static partial void LogSeeded(ILogger logger, int added, int total, string file);
}
