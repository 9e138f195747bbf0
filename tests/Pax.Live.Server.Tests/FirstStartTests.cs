using System.Net;
using System.Net.Http.Json;

namespace Pax.Live.Server.Tests;

/// <summary>What a newcomer meets at the first and second start.</summary>
public sealed class FirstStartTests
{
    [Fact]
    public async Task AConfiguredAdminPasswordThatFindsUsersAlreadyIsNotAppliedAndTheLogSaysSo()
    {
        var data = ServerProcess.NewTempDirectory("pax-first-start");
        try
        {
            await using (var first = new ServerProcess(data))
            {
                await first.Start();
                Assert.DoesNotContain("not applied", first.Output, StringComparison.Ordinal);
                await first.Stop();
            }

            await using var second = new ServerProcess(data, "--Pax:Auth:AdminPassword=a-later-password");
            await second.Start(); // signs in with the first start's password: that one still holds
            using var refused = await second.Http.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "a-later-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("Pax:Auth:AdminPassword is set but not applied", second.Output, StringComparison.Ordinal);
            Assert.Contains(Path.GetFullPath(data), second.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("a-later-password", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
