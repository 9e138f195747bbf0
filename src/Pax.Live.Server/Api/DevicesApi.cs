using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Mqtt;

namespace Pax.Live.Server.Api;

/// <summary><c>PUT /api/devices/{id}</c>'s body: the place the device publishes for.</summary>
public sealed record DeviceDocument(string? Place);

/// <summary>A device as the API lists it: never its secret or the secret's hash.</summary>
public sealed record DeviceView(string DeviceId, string PlaceId, DateTimeOffset IssuedAt, DateTimeOffset? RevokedAt);

/// <summary>
/// What an installer gets once, when a device is provisioned: its MQTT user name (the device id) and secret, and the
/// topics it may use. The secret is not kept and cannot be shown again; provisioning again issues a new one.
/// </summary>
public sealed record DeviceSecretView(string DeviceId, string PlaceId, string Username, string Secret, string Topics, string CommandTopic);

/// <summary><c>/api/devices</c>: device credentials, for admins.</summary>
public static class DevicesApi
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var devices = app.MapGroup("/api/devices").RequireAuthorization(PaxClaims.AdminOnly).WithTags("Devices");
        devices.MapGet("/", async (IGrainFactory grains) => (await grains.GetGrain<IDeviceRegistryGrain>(0).All()).Select(View));
        devices.MapPut("/{id}", Provision);
        devices.MapDelete("/{id}", Revoke);
        return app;
    }

    private static DeviceView View(DeviceCredential d) => new(d.DeviceId, d.PlaceId, d.IssuedAt, d.RevokedAt);

    /// <summary>Issues credentials: 201 for a new device, 200 with a new secret for a known one (its old secret stops working).</summary>
    private static async Task<Results<Ok<DeviceSecretView>, Created<DeviceSecretView>, ProblemHttpResult, ValidationProblem>> Provision(
        string id, DeviceDocument document, IGrainFactory grains, TimeProvider clock)
    {
        if (!Ids.IsValid(id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["A device id is 1 to 64 characters of a-z, 0-9 and '-'."] });
        }

        if (string.IsNullOrEmpty(document.Place))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["place"] = ["The place the device publishes for."] });
        }

        if (await Problems.UnlessPlace(grains, document.Place) is { } missing)
        {
            return missing;
        }

        var secret = DeviceSecrets.Generate();
        var created = await grains.GetGrain<IDeviceRegistryGrain>(0).Issue(
            new DeviceCredential(id, document.Place, DeviceSecrets.Hash(secret), clock.GetUtcNow()));
        var prefix = $"pax/v1/{document.Place}/{id}/";
        var view = new DeviceSecretView(id, document.Place, id, secret, prefix + "#", prefix + MqttBroker.CommandLeaf);
        return created ? TypedResults.Created($"/api/devices/{id}", view) : TypedResults.Ok(view);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(string id, IGrainFactory grains, TimeProvider clock) =>
        Ids.IsValid(id) && await grains.GetGrain<IDeviceRegistryGrain>(0).Revoke(id, clock.GetUtcNow())
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: "No such device.", detail: $"'{id}' has no credentials.", statusCode: StatusCodes.Status404NotFound);
}
