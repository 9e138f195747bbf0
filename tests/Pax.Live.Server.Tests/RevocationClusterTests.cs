using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.Server.Tests;

/// <summary>Two nodes on PostgreSQL: a user demoted through one node loses their old token's power on the other at once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RevocationClusterTests(PostgresFixture postgres)
{
    [Fact]
    public async Task ADemotionThroughOneNodeEndsTheOldTokenAndLiveConnectionOnTheOther()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        string[] cluster =
        [
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString}",
            "--Pax:Orleans:Clustering=PostgreSql",
            "--Pax:Orleans:ClusterId=pax-revocation",
            $"--Pax:Auth:SigningKey={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
        ];
        await using var a = new ServerProcess(ServerProcess.NewTempDirectory("pax-rev-a"), cluster);
        await using var b = new ServerProcess(ServerProcess.NewTempDirectory("pax-rev-b"), cluster);
        await a.Start();
        await b.Start();

        await RevocationTests.Put(a, "rita", new { role = "operator", areas = Array.Empty<string>(), password = "password-rita" });
        var token = await b.Login("rita", "password-rita");
        using var onA = a.As(token);
        using var onB = b.As(token);

        // Both nodes have read rita and hold her in their caches; her live connection is on node B.
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("/api/ingest/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onA.GetAsync("/api/ingest/stats")).StatusCode);
        var (live, _) = await LiveClient.WatchAs(b, token);
        await using var _1 = live;

        await RevocationTests.Put(a, "rita", new { role = "staff", areas = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("/api/ingest/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onA.GetAsync("/api/ingest/stats")).StatusCode);
        await Api.Until(() => live.State != HubConnectionState.Connected);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => LiveClient.WatchAs(b, token));

        // Her new token carries what she is now, on either node.
        using var staff = b.As(await a.Login("rita", "password-rita"));
        Assert.Equal(HttpStatusCode.Forbidden, (await staff.GetAsync("/api/ingest/stats")).StatusCode);
    }
}
