using Pax.Live.Server.Auth;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Api;

/// <summary><c>/api/ingest</c>: what ingest accepted and rejected.</summary>
public static class IngestApi
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapIngestApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ingest/stats", (IngestStats stats) => stats.Snapshot()).RequireAuthorization(PaxClaims.ControlRoom).WithTags("Ingest");
        return app;
    }
}
