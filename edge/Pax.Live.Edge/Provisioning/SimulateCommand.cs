namespace Pax.Live.Edge.Provisioning;

/// <summary>
/// <c>pax-edge simulate [--server URL --user NAME] [--Edge:…=…]</c>: synthetic devices at the four sample places, two
/// each, with their outbox under <c>./data/edge-outbox</c>; with <c>--server</c> they provision themselves first.
/// </summary>
public static class SimulateCommand
{
    /// <summary>The sample catalogue's places (deploy/places/sample-places.json).</summary>
    public static readonly IReadOnlyList<string> SamplePlaces = ["stora-torget", "storgatan", "stadsparken", "resecentrum"];

    /// <summary>The agent's arguments for <c>simulate</c> followed by <paramref name="rest"/>: what the user gave comes later and wins.</summary>
    public static string[] Arguments(IReadOnlyList<string> rest)
    {
        var args = new List<string> { "--Edge:Simulator:Enabled=true", "--Edge:Store:Directory=data/edge-outbox" };
        if (!rest.Any(a => a.Contains("Edge:Simulator:Places", StringComparison.OrdinalIgnoreCase)))
        {
            for (var i = 0; i < SamplePlaces.Count; i++)
            {
                args.Add($"--Edge:Simulator:Places:{i}={SamplePlaces[i]}");
            }
        }

        args.AddRange(rest);
        return [.. args];
    }
}
