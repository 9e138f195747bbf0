using System.Net;

namespace Pax.Live.Server.Tests;

/// <summary>A Release (or published) server hands out its web UI's bundles, not their sources.</summary>
[Collection(ServerCollection.Name)]
public sealed class SourceMapTests(ServerFixture server)
{
    [Theory]
    [InlineData("control.js")]
    [InlineData("guard.js")]
    public async Task TheBundlesCarryNoSourceMap(string bundle)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var script = await anonymous.GetStringAsync("/" + bundle);
        Assert.DoesNotContain("sourceMappingURL", script, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/{bundle}.map")).StatusCode);
    }
}
