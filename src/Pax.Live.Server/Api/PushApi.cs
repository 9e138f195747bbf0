using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Push;

namespace Pax.Live.Server.Api;

/// <summary>A browser's keys of a push subscription, as <c>PushSubscription.toJSON()</c> gives them.</summary>
public sealed record PushKeysRequest(string? P256dh, string? Auth);

/// <summary><c>PUT /api/push/subscriptions/{deviceId}</c>'s body: <c>PushSubscription.toJSON()</c> and a label for the list.</summary>
public sealed record SubscribeRequest(string? Endpoint, PushKeysRequest? Keys, string? Label);

/// <summary><c>PUT /api/push/settings</c>'s body.</summary>
public sealed record PushSettingsRequest(bool? NewAlerts);

/// <summary>One subscribed phone as its owner sees it: the push service's origin, not the endpoint (the phone's secret).</summary>
public sealed record PushDeviceView(string DeviceId, string Service, DateTimeOffset CreatedAt, string? Label);

/// <summary>A guard's push setting and phones.</summary>
public sealed record PushView(bool NewAlerts, PushDeviceView[] Devices);

/// <summary>The key a browser subscribes with (<c>applicationServerKey</c>).</summary>
public sealed record PushKeyView(string PublicKey);

/// <summary>
/// <c>/api/push</c>: a guard's phones subscribe to Web Push and unsubscribe, and the guard chooses whether new alerts of
/// their areas are pushed too (dispatches always are). Guards only: nobody else is dispatched.
/// </summary>
public static class PushApi
{
    private const int MaxLabel = 64;

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapPushApi(this IEndpointRouteBuilder app)
    {
        var push = app.MapGroup("/api/push").RequireAuthorization(PaxClaims.Field).WithTags("Push");
        push.MapGet("/key", async (PushKeys keys) => TypedResults.Ok(new PushKeyView((await keys.Get()).PublicKey)));
        push.MapGet("/subscriptions", List);
        push.MapPut("/subscriptions/{deviceId}", Subscribe);
        push.MapDelete("/subscriptions/{deviceId}", Unsubscribe);
        push.MapPut("/settings", Settings);
        return app;
    }

    private static async Task<Results<Ok<PushView>, ProblemHttpResult>> List(ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Guard(user) is not { } name)
        {
            return NotAGuard();
        }

        return TypedResults.Ok(View(await grains.GetGrain<IPushSubscriptionGrain>(name).GetPush()));
    }

    private static async Task<Results<Ok<PushView>, ProblemHttpResult, ValidationProblem>> Subscribe(
        string deviceId, SubscribeRequest request, ClaimsPrincipal user, IGrainFactory grains, PushOptions options, TimeProvider clock)
    {
        if (Guard(user) is not { } name)
        {
            return NotAGuard();
        }

        var errors = new Dictionary<string, string[]>();
        if (!Ids.IsValid(deviceId))
        {
            errors["deviceId"] = ["Lower-case letters, digits and '-', at most 64."];
        }

        if (request.Endpoint is not { } endpoint || !PushOrigins.IsAllowed(endpoint, options.Origins))
        {
            errors["endpoint"] = [$"An absolute URL of an allowed push service ({PushOptions.Section}:{nameof(PushOptions.AllowedOrigins)})."];
        }

        if (!IsPublicKey(request.Keys?.P256dh))
        {
            errors["keys.p256dh"] = ["The browser's P-256 public key, uncompressed, base64url."];
        }

        if (!IsBase64Url(request.Keys?.Auth, 16))
        {
            errors["keys.auth"] = ["The browser's 16-byte authentication secret, base64url."];
        }

        if (request.Label is { Length: > MaxLabel })
        {
            errors["label"] = [$"At most {MaxLabel} characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The subscription is not valid.");
        }

        var grain = grains.GetGrain<IPushSubscriptionGrain>(name);
        var record = new PushSubscriptionRecord(deviceId, request.Endpoint!, request.Keys!.P256dh!, request.Keys.Auth!, clock.GetUtcNow(), request.Label);
        if (!await grain.Subscribe(record, options.MaxDevicesPerUser))
        {
            return TypedResults.Problem(title: "Too many phones.", detail: $"At most {options.MaxDevicesPerUser} phones per user: remove one first.",
                statusCode: StatusCodes.Status409Conflict);
        }

        return TypedResults.Ok(View(await grain.GetPush()));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Unsubscribe(string deviceId, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Guard(user) is not { } name)
        {
            return NotAGuard();
        }

        return Ids.IsValid(deviceId) && await grains.GetGrain<IPushSubscriptionGrain>(name).Unsubscribe(deviceId)
            ? TypedResults.NoContent()
            : TypedResults.Problem(title: "No such phone.", statusCode: StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<PushView>, ProblemHttpResult, ValidationProblem>> Settings(
        PushSettingsRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (Guard(user) is not { } name)
        {
            return NotAGuard();
        }

        if (request.NewAlerts is not { } newAlerts)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["newAlerts"] = ["true or false."] });
        }

        return TypedResults.Ok(View(await grains.GetGrain<IPushSubscriptionGrain>(name).SetNewAlerts(newAlerts)));
    }

    private static string? Guard(ClaimsPrincipal user)
    {
        var actor = user.ToActor();
        return actor.Role == Role.Guard ? actor.Name : null;
    }

    private static ProblemHttpResult NotAGuard() => Problems.Forbidden("Pushes are for guards' phones.");

    private static PushView View(GuardPush push) =>
        new(push.NewAlerts, [.. push.Devices.Select(d => new PushDeviceView(d.DeviceId, PushOrigins.OriginOf(d.Endpoint), d.CreatedAt, d.Label))]);

    private static bool IsBase64Url(string? value, int length)
    {
        if (value is null || value.Length > 128)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[96];
        return Base64Url.TryDecodeFromChars(value.TrimEnd('='), bytes, out var written) && written == length;
    }

    /// <summary>A point on P-256: anything else would make every push to it fail.</summary>
    private static bool IsPublicKey(string? value)
    {
        if (!IsBase64Url(value, 65))
        {
            return false;
        }

        var bytes = Base64Url.DecodeFromChars(value!.TrimEnd('='));
        if (bytes[0] != 0x04)
        {
            return false;
        }

        try
        {
            using var key = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = bytes[1..33], Y = bytes[33..] },
            });
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
