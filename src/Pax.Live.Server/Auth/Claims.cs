using System.Security.Claims;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Auth;

/// <summary>The claims Pax.Live reads, and the actor they make.</summary>
public static class PaxClaims
{
    /// <summary>The user's name.</summary>
    public const string Name = "sub";

    /// <summary>The role: operator, guard, staff, admin.</summary>
    public const string Role = "role";

    /// <summary>The user's stamp when the token was issued (local tokens; see <see cref="UserSessions"/>).</summary>
    public const string Stamp = "stamp";

    /// <summary>One claim per area the user works in.</summary>
    public const string Area = "area";

    /// <summary>Operators and admins: the control room.</summary>
    public const string ControlRoom = "control-room";

    /// <summary>Admins only.</summary>
    public const string AdminOnly = "admin";

    /// <summary>Everyone who works in the field or the control room (not devices).</summary>
    public const string Field = "field";

    /// <summary>The actor a signed-in user is.</summary>
    public static Actor ToActor(this ClaimsPrincipal user)
    {
        var name = user.FindFirst(Name)?.Value ?? user.Identity?.Name ?? "unknown";
        var role = Enum.TryParse<Role>(user.FindFirst(Role)?.Value, ignoreCase: true, out var parsed) ? parsed : Abstractions.Role.Staff;
        var areas = user.FindAll(Area).Select(c => c.Value).ToArray();
        return new Actor(name, role, areas);
    }
}
