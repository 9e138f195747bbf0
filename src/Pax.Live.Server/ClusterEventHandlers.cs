using Pax.Live.Abstractions;

namespace Pax.Live.Server;

// What the cluster tells every host besides its live clients' events (see ILiveObserver). A subsystem that keeps
// something per host implements the events it needs and is registered for them; the host's live observer hands each
// event to every handler registered, and knows none of them.

/// <summary>Hears that a place was created or changed.</summary>
public interface IPlaceDefinedHandler
{
    /// <summary>A place was created or changed.</summary>
    Task OnPlaceDefined(PlaceDefinition definition);
}

/// <summary>Hears that a device's credentials were revoked or replaced.</summary>
public interface IDeviceRevokedHandler
{
    /// <summary>A device's credentials issued before <paramref name="issuedBefore"/> no longer hold.</summary>
    Task OnDeviceRevoked(string deviceId, DateTimeOffset issuedBefore);
}

/// <summary>Hears that a user's role, areas, password or being disabled changed.</summary>
public interface IUserChangedHandler
{
    /// <summary>The user changed; the cluster waits for this before it answers the change.</summary>
    Task OnUserChanged(string userName);
}
