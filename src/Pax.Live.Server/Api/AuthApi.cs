using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;

namespace Pax.Live.Server.Api;

/// <summary><c>POST /api/auth/login</c>'s body.</summary>
public sealed record LoginRequest(string? Username, string? Password);

/// <summary>A signed-in user as the API shows them.</summary>
public sealed record UserView(string Name, Role Role, string[] Areas, bool Disabled);

/// <summary><c>POST /api/auth/login</c>'s answer.</summary>
public sealed record LoginResponse(string Token, DateTimeOffset ExpiresAt, UserView User);

/// <summary><c>PUT /api/users/{name}</c>'s body; the password is optional on update.</summary>
public sealed record UserDocument(Role? Role, string[]? Areas, string? Password, bool Disabled = false);

/// <summary><c>/api/auth</c> and <c>/api/users</c>.</summary>
public static class AuthApi
{
    /// <summary>The rate-limiting policy <c>POST /api/auth/login</c> requires; the host defines it.</summary>
    public const string LoginPolicy = "login";

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/login", Login).AllowAnonymous().RequireRateLimiting(LoginPolicy).WithTags("Auth");
        app.MapGet("/api/auth/me", (ClaimsPrincipal user) => user.ToActor()).RequireAuthorization().WithTags("Auth");
        var users = app.MapGroup("/api/users").RequireAuthorization(PaxClaims.AdminOnly).WithTags("Users");
        users.MapGet("/", async (IGrainFactory grains) =>
            (await grains.GetGrain<IUserDirectoryGrain>(0).All()).Select(u => new UserView(u.Name, u.Role, u.Areas, u.Disabled)));
        users.MapPut("/{name}", PutUser);
        return app;
    }

    private static async Task<Results<Ok<LoginResponse>, ProblemHttpResult>> Login(
        LoginRequest request, IGrainFactory grains, Passwords passwords, TokenService tokens)
    {
        // One answer for every failure: it must not tell an attacker which user names exist.
        var user = string.IsNullOrEmpty(request.Username) ? null : await grains.GetGrain<IUserDirectoryGrain>(0).Find(request.Username);
        if (user is null || user.Disabled || string.IsNullOrEmpty(request.Password) || !passwords.Verify(user, request.Password))
        {
            return TypedResults.Problem(title: "Wrong user name or password.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var (token, expires) = tokens.Issue(user);
        return TypedResults.Ok(new LoginResponse(token, expires, new UserView(user.Name, user.Role, user.Areas, user.Disabled)));
    }

    private static async Task<Results<Ok<UserView>, Created<UserView>, ValidationProblem>> PutUser(
        string name, UserDocument document, IGrainFactory grains, Passwords passwords)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Ids.IsValid(name))
        {
            errors["name"] = ["A user name is 1 to 64 characters of a-z, 0-9 and '-'."];
        }

        if (document.Role is null)
        {
            errors["role"] = ["A role is required: operator, guard, staff or admin."];
        }

        var areas = document.Areas ?? [];
        if (areas.Any(a => !Ids.IsValid(a)))
        {
            errors["areas"] = ["Area ids are 1 to 64 characters of a-z, 0-9 and '-'."];
        }

        var directory = grains.GetGrain<IUserDirectoryGrain>(0);
        var existing = errors.Count == 0 ? await directory.Find(name) : null;
        if (errors.Count == 0 && existing is null && string.IsNullOrEmpty(document.Password))
        {
            errors["password"] = ["A new user needs a password."];
        }

        if (document.Password is { Length: > 0 and < 10 })
        {
            errors["password"] = ["A password has at least 10 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The user is not valid.");
        }

        var user = new UserRecord(name, document.Role!.Value, areas, existing?.PasswordHash, document.Disabled);
        if (!string.IsNullOrEmpty(document.Password))
        {
            user = user with { PasswordHash = passwords.Hash(user, document.Password) };
        }

        var view = new UserView(user.Name, user.Role, user.Areas, user.Disabled);
        return await directory.Upsert(user) ? TypedResults.Created($"/api/users/{name}", view) : TypedResults.Ok(view);
    }
}
