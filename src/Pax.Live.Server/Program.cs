using Pax.Live.Server.Api;
using Pax.Live.Server.Hosting;
using Pax.Live.Server.Live;

var builder = WebApplication.CreateBuilder(args);
builder.AddPaxSilo();
builder.AddPaxLive();
builder.AddPaxIngest();
builder.AddPaxApi();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapHealthChecks("/healthz");
app.MapPlacesApi();
app.MapIngestApi();
app.MapHub<LiveHub>("/hubs/live");
app.Run();

/// <summary>The entry point, visible to the end-to-end tests.</summary>
public partial class Program;
