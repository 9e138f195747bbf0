namespace Pax.Live.Abstractions;

/// <summary>Every alert that is open, and the recently resolved ones, for the alert queues. Key 0.</summary>
[Alias("pax.IAlertIndexGrain")]
public interface IAlertIndexGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// An alert's latest view. Completes once the index knows the alert durably: a new alert's id is stored before
    /// the call returns; a change to a known one is in memory (the alert itself is the record, read back at activation).
    /// </summary>
    [Alias("Update")]
    Task Update(AlertView alert);

    /// <summary>Open alerts (and, if asked, the recently resolved), newest first.</summary>
    [Alias("List")]
    Task<AlertView[]> List(bool includeResolved);
}
