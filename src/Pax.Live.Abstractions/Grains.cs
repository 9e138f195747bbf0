using Orleans.Concurrency;

namespace Pax.Live.Abstractions;

/// <summary>One activation per place: the only writer of the place's live state.</summary>
[Alias("pax.IPlaceGrain")]
public interface IPlaceGrain : IGrainWithStringKey
{
    /// <summary>Takes the readings ingest gathered for this place in one flush.</summary>
    [Alias("Ingest")]
    ValueTask Ingest(SignalBatch batch);

    /// <summary>
    /// Takes a batch holding alert-grade readings that ingest keeps in its write-ahead log. Returns 0 once everything
    /// the batch changed is stored (its alerts, their place in the queue, the place's note of them); otherwise a token
    /// to ask <see cref="AlertsStored"/> with later.
    /// </summary>
    [Alias("IngestDurably")]
    ValueTask<long> IngestDurably(SignalBatch batch);

    /// <summary>
    /// With a token from <see cref="IngestDurably"/>: 0 once this place's alerts are stored, the token again while they
    /// wait for the database, or −1 when this is another activation than the one that took the batch (it may be lost:
    /// deliver it again).
    /// </summary>
    [Alias("AlertsStored")]
    ValueTask<long> AlertsStored(long token);

    /// <summary>A device of the place said it is online or offline (its retained status or its will).</summary>
    [Alias("DeviceStatusChanged")]
    ValueTask DeviceStatusChanged(string deviceId, bool online);

    /// <summary>The place's definition changed in the catalogue.</summary>
    [Alias("Configure")]
    Task Configure(PlaceDefinition definition);

    /// <summary>The live status.</summary>
    [Alias("GetStatus")]
    ValueTask<PlaceStatus> GetStatus();

    /// <summary>Silences an alert cause at the place for <paramref name="duration"/> (zero: lifts it).</summary>
    [Alias("SnoozeCause")]
    Task SnoozeCause(Contracts.SignalKind kind, TimeSpan duration, Actor actor, string why);

    /// <summary>Puts the place in focus for <paramref name="duration"/> (zero: ends it).</summary>
    [Alias("SetFocus")]
    Task SetFocus(TimeSpan duration, Actor actor, string why);

    /// <summary>A guard or a member of staff checked in at the place (who is not kept: places, not persons).</summary>
    [Alias("CheckIn")]
    Task CheckIn(Role role);

    /// <summary>One of the place's alerts was resolved: its cause may raise a new alert from now on.</summary>
    [Alias("AlertResolved"), OneWay]
    Task AlertResolved(string alertId);
}

/// <summary>One alert: its lifecycle and audit trail. Keyed by alert id.</summary>
[Alias("pax.IAlertGrain")]
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the alert (idempotent: a second call changes nothing stored) and announces it as <paramref name="opening"/>
    /// says. Returns the alert's state after the call; throws while the feeds cannot take the announcement.
    /// </summary>
    [Alias("Open")]
    Task<AlertState> Open(AlertView alert, AlertOpening opening);

    /// <summary>The cause happened <paramref name="count"/> more times.</summary>
    [Alias("Repeat")]
    Task Repeat(int count, DateTimeOffset lastSeen, int severity);

    /// <summary>The cause is gone.</summary>
    [Alias("CauseCleared")]
    Task CauseCleared(DateTimeOffset at);

    /// <summary>An operator has seen it.</summary>
    [Alias("Acknowledge")]
    Task<AlertView> Acknowledge(Actor actor);

    /// <summary>An operator sends a guard.</summary>
    [Alias("Dispatch")]
    Task<AlertView> Dispatch(Actor actor, string guard);

    /// <summary>The dispatched guard's phone confirms it has the alert (delivery, not acceptance).</summary>
    [Alias("Received")]
    Task<AlertView> Received(Actor actor);

    /// <summary>Escalates the alert if it has waited too long for people: unacknowledged, or dispatched but not received.</summary>
    [Alias("CheckEscalation")]
    Task CheckEscalation();

    /// <summary>The dispatched guard takes it on.</summary>
    [Alias("Accept")]
    Task<AlertView> Accept(Actor actor);

    /// <summary>The guard is at the place.</summary>
    [Alias("OnSite")]
    Task<AlertView> OnSite(Actor actor);

    /// <summary>Closes the alert with an outcome and a note.</summary>
    [Alias("Resolve")]
    Task<AlertView> Resolve(Actor actor, AlertOutcome outcome, string note);

    /// <summary>The alert, or null if no alert has this id.</summary>
    [Alias("GetView")]
    Task<AlertView?> GetView();

    /// <summary>The audit trail, oldest first.</summary>
    [Alias("GetAudit")]
    Task<AuditEntry[]> GetAudit();

    /// <summary>Whether the alert is stored and listed in the queue's index (it registers itself if it is not yet).</summary>
    [Alias("IsStored")]
    Task<bool> IsStored();

    /// <summary>
    /// The alert as last stored, or null. Interleaves with the grain's other calls, so that the queue's index can read
    /// it at its activation while this alert waits on the index.
    /// </summary>
    [Alias("StoredView"), AlwaysInterleave]
    Task<AlertView?> StoredView();
}

/// <summary>The place catalogue: the one list of places, their names, positions and thresholds.</summary>
[Alias("pax.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Every place.</summary>
    [Alias("GetAll")]
    ValueTask<PlaceDefinition[]> GetAll();

    /// <summary>One place, or null.</summary>
    [Alias("Find")]
    ValueTask<PlaceDefinition?> Find(string placeId);

    /// <summary>Creates or updates a place; returns true when it was created.</summary>
    [Alias("Upsert")]
    ValueTask<bool> Upsert(PlaceDefinition definition);

    /// <summary>Adds places that are not there yet and leaves existing ones as they are (for seeding).</summary>
    [Alias("AddMissing")]
    ValueTask<int> AddMissing(PlaceDefinition[] definitions);
}

/// <summary>
/// Reached from grains on any silo; batches live events and fans them out to every web host. Grains never call SignalR.
/// </summary>
[Alias("pax.ILiveNotifierGrain")]
public interface ILiveNotifierGrain : IGrainWithIntegerKey
{
    /// <summary>Queues a status change; changes of one place within a flush interval are coalesced to the last.</summary>
    [Alias("StatusChanged"), OneWay]
    Task StatusChanged(PlaceStatusChanged change);

    /// <summary>Sends a numbered alert event to every host at once (called by its audience's feed, in order).</summary>
    [Alias("Alert")]
    ValueTask Alert(AlertFeedEntry entry);

    /// <summary>Tells every host that a place was created or changed.</summary>
    [Alias("PlaceDefined")]
    ValueTask PlaceDefined(PlaceDefinition definition);

    /// <summary>
    /// Tells every host that a device's credentials were revoked or replaced, so that a connection made with
    /// credentials issued before <paramref name="issuedBefore"/> is dropped (and one made with the new secret is not).
    /// </summary>
    [Alias("DeviceRevoked")]
    ValueTask DeviceRevoked(string deviceId, DateTimeOffset issuedBefore);
}

/// <summary>A web host listening for live events (one per host, registered in <see cref="ILiveHostDirectoryGrain"/>).</summary>
[Alias("pax.ILiveObserver")]
public interface ILiveObserver : IGrainObserver
{
    /// <summary>A batch of coalesced status changes.</summary>
    [Alias("OnStatusesChanged"), OneWay]
    Task OnStatusesChanged(PlaceStatusChanged[] changes);

    /// <summary>An alert was raised or moved in its lifecycle: one call per audience, numbered in its feed.</summary>
    [Alias("OnAlert"), OneWay]
    Task OnAlert(AlertFeedEntry entry);

    /// <summary>A place was created or changed.</summary>
    [Alias("OnPlaceDefined"), OneWay]
    Task OnPlaceDefined(PlaceDefinition definition);

    /// <summary>A device's credentials were revoked or replaced: drop its connection if it signed in with credentials issued before <paramref name="issuedBefore"/>.</summary>
    [Alias("OnDeviceRevoked"), OneWay]
    Task OnDeviceRevoked(string deviceId, DateTimeOffset issuedBefore);

    /// <summary>A user's role, areas, password or being disabled changed: forget their tokens, close their live connections. Awaited.</summary>
    [Alias("OnUserChanged")]
    Task OnUserChanged(string userName);
}

/// <summary>Where web hosts register their <see cref="ILiveObserver"/>; hosts that stop renewing are dropped.</summary>
[Alias("pax.ILiveHostDirectoryGrain")]
public interface ILiveHostDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or renews a host's observer.</summary>
    [Alias("Register")]
    ValueTask Register(ILiveObserver observer);

    /// <summary>Removes a host's observer.</summary>
    [Alias("Unregister")]
    ValueTask Unregister(ILiveObserver observer);

    /// <summary>The observers of every live host, and whether the list is known to be whole.</summary>
    [Alias("GetHosts")]
    ValueTask<LiveHosts> GetHosts();
}

/// <summary>
/// The web hosts a notifier sends to. <c>Complete</c> is false while the directory is younger than one renewal (it
/// was just activated, say on another node after its node died): hosts that have not renewed yet are missing, so a
/// notifier keeps the hosts it already knew as well.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.LiveHosts")]
public sealed record LiveHosts(
    [property: Id(0)] ILiveObserver[] Observers,
    [property: Id(1)] bool Complete);

/// <summary>One area's site plan. Keyed by area id.</summary>
[Alias("pax.ISitePlanGrain")]
public interface ISitePlanGrain : IGrainWithStringKey
{
    /// <summary>The plan, or null when the area has none.</summary>
    [Alias("GetPlan")]
    ValueTask<SitePlan?> GetPlan();

    /// <summary>The plan without its image's bytes, or null.</summary>
    [Alias("GetSummary")]
    ValueTask<SitePlan?> GetSummary();

    /// <summary>Stores the plan, replacing any before it.</summary>
    [Alias("Put")]
    ValueTask Put(SitePlan plan);

    /// <summary>Removes the plan; returns false when there was none.</summary>
    [Alias("Delete")]
    ValueTask<bool> Delete();

    /// <summary>Stores the plan only when this area never had one (a sample plan at first start); returns whether it did.</summary>
    [Alias("SeedIfNew")]
    ValueTask<bool> SeedIfNew(SitePlan plan);
}
