using System.Text.Json;
using Pax.Live.Abstractions;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Catalog;

/// <summary>Catalogue settings, section <c>Pax:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Catalog";

    /// <summary>A JSON file of places added at start when they are missing (relative paths from the app's folder). Empty: none.</summary>
    public string SeedFile { get; set; } = "places/sample-places.json";
}

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

    [LoggerMessage(LogLevel.Information, "Catalogue: added {Added} of {Total} places from {File}")]
    private static partial void LogSeeded(ILogger logger, int added, int total, string file);
}
