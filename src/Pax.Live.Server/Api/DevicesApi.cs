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
        string id, DeviceDocument document, IGrainFactory grains, IDeviceAccounts accounts, TimeProvider clock, CancellationToken cancellationToken)
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

        // The broker first: when it refuses, the registry stays as it was and the installer can simply try again.
        var secret = DeviceSecrets.Generate();
        var issuedAt = clock.GetUtcNow();
        if (await Broker(() => accounts.Provision(id, document.Place, secret, issuedAt, cancellationToken)) is { } unavailable)
        {
            return unavailable;
        }

        var created = await grains.GetGrain<IDeviceRegistryGrain>(0).Issue(
            new DeviceCredential(id, document.Place, DeviceSecrets.Hash(secret), issuedAt));
        var prefix = $"pax/v1/{document.Place}/{id}/";
        var view = new DeviceSecretView(id, document.Place, id, secret, prefix + "#", prefix + MqttBroker.CommandLeaf);
        return created ? TypedResults.Created($"/api/devices/{id}", view) : TypedResults.Ok(view);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(
        string id, IGrainFactory grains, IDeviceAccounts accounts, TimeProvider clock, CancellationToken cancellationToken)
    {
        var registry = grains.GetGrain<IDeviceRegistryGrain>(0);
        if (!Ids.IsValid(id) || await registry.Find(id) is null)
        {
            return TypedResults.Problem(title: "No such device.", detail: $"'{id}' has no credentials.", statusCode: StatusCodes.Status404NotFound);
        }

        if (await Broker(() => accounts.Remove(id, cancellationToken)) is { } unavailable)
        {
            return unavailable;
        }

        await registry.Revoke(id, clock.GetUtcNow());
        return TypedResults.NoContent();
    }

    /// <summary>Runs a change at the broker; a 503 the installer can retry when the broker does not take it.</summary>
    private static async Task<ProblemHttpResult?> Broker(Func<Task> change)
    {
        try
        {
            await change();
            return null;
        }
        catch (BrokerUnavailableException ex)
        {
            return TypedResults.Problem(title: "The device broker did not take the change.", detail: ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
