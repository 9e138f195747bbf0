using Pax.Live.Abstractions;
using Pax.Live.Server.Api;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Hosting;
using Pax.Live.Server.Live;
using Pax.Live.Server.Observability;
using Pax.Live.Server.Push;
using Pax.Live.Server.Storage;
using Pax.Live.Server.Ui;

if (args is ["migrate", .. var rest])
{
    return await MigrateCommand.Run(rest);
}

// Configuration and content come from beside the assembly, wherever the server is started from; the data directory
// (relative paths) stays relative to where it is started.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddPaxSilo();
builder.AddPaxLive();
builder.AddPaxIngest();
builder.AddPaxApi();
builder.AddPaxAuth();
builder.AddPaxHardening();
builder.AddPaxUi();
builder.AddPaxObservability();
builder.AddPaxPush();

var app = builder.Build();
// A database that is away is a 503 the caller can retry, never a 500 that looks like a bug; a request Kestrel refuses
// while a handler reads it (a body over the limit: 413) keeps Kestrel's status.
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    StatusCodeSelector = e => e switch
    {
        StorageUnavailableException => StatusCodes.Status503ServiceUnavailable,
        BadHttpRequestException bad => bad.StatusCode,
        _ => StatusCodes.Status500InternalServerError,
    },
});
app.UseStatusCodePages();
app.UsePaxHardening();
app.UsePaxUi();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
app.MapPaxObservability();
app.MapPlacesApi();
app.MapHistoryApi();
app.MapReportsApi();
app.MapReplayApi();
app.MapIngestApi();
app.MapRuntimeApi();
app.MapAuthApi();
app.MapAlertsApi();
app.MapFieldApi();
app.MapControlRoomApi();
app.MapDevicesApi();
app.MapSitePlansApi();
app.MapPushApi();
app.MapOpenApi();
app.MapHub<LiveHub>("/hubs/live").RequireAuthorization(PaxClaims.Field);
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
