using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>Between the place model's plain records (Unix milliseconds) and the stored and shown ones (Orleans types, times as dates).</summary>
internal static class PlaceStateMapping
{
    /// <summary>What the model is made from again after an activation.</summary>
    public static PlaceMemory ToMemory(PlaceState saved) => new(
        saved.Core,
        [.. saved.OpenAlerts.Select(PlaceAlertOf)],
        [.. saved.RecentAlerts.Select(c => new ClosedPlaceAlert(PlaceAlertOf(c.Alert), c.ClosedAt.ToUnixTimeMilliseconds()))],
        [.. saved.Snoozes.Select(s => new PlaceSnooze(s.Kind, s.Until.ToUnixTimeMilliseconds(), s.By, s.Why))],
        saved.Focus is { } f ? new PlaceFocus(f.Until.ToUnixTimeMilliseconds(), f.By, f.Why) : null,
        [.. saved.Devices.Select(d => new PlaceDevice(d.DeviceId, d.Online, d.LastSeen.ToUnixTimeMilliseconds()))]);

    /// <summary>Writes what the model remembers into the state to store (the visits are the grain's own).</summary>
    public static void Store(PlaceState state, PlaceMemory memory, long historyRolledUpTo, Func<PlaceAlert, OpenAlert> openAlertOf)
    {
        state.Core = memory.Core;
        state.OpenAlerts = [.. memory.Open.Select(openAlertOf)];
        state.RecentAlerts = [.. memory.Recent.Select(c => new ClosedAlert(openAlertOf(c.Alert), At(c.ClosedAt)))];
        state.Snoozes = [.. memory.Snoozes.Select(SnoozeOf)];
        state.Focus = FocusOf(memory.Focus);
        state.Devices = [.. memory.Devices.Select(DeviceInfoOf)];
        state.HistoryRolledUpTo = historyRolledUpTo;
    }

    public static OpenAlert OpenAlertOf(PlaceAlert alert, string summary) =>
        new(alert.AlertId, alert.Kind, alert.Severity, At(alert.RaisedAt), At(alert.LastSeen), alert.Count, summary, alert.Value, alert.DeviceId);

    public static PlaceAlert PlaceAlertOf(OpenAlert alert) => new(
        alert.AlertId, alert.Kind, alert.Severity, alert.RaisedAt.ToUnixTimeMilliseconds(), alert.LastSeen.ToUnixTimeMilliseconds(), alert.Count, alert.Value, alert.DeviceId);

    public static Snooze SnoozeOf(PlaceSnooze snooze) => new(snooze.Kind, At(snooze.Until), snooze.By, snooze.Why);

    public static Focus? FocusOf(PlaceFocus? focus) => focus is { } f ? new Focus(At(f.Until), f.By, f.Why) : null;

    public static DeviceInfo DeviceInfoOf(PlaceDevice device) => new(device.DeviceId, device.Online, At(device.LastSeen));

    /// <summary>The live status as asked for: the model's, with the visits the grain keeps.</summary>
    public static PlaceStatus StatusOf(Place place, string placeId, PlaceState saved, Func<PlaceAlert, OpenAlert> openAlertOf, long now)
    {
        var core = place.Core;
        var values = new List<KindValue>(SignalKinds.Count);
        var freshMs = (long)core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            // The same values the pushed events carry: only what is fresh enough to describe the place now.
            var (value, at) = core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values.Add(new KindValue(kind, value, At(at)));
            }
        }

        return new PlaceStatus(
            placeId,
            core.Level,
            At(core.LevelSince),
            core.LastHeardAt == 0 ? null : At(core.LastHeardAt),
            [.. values],
            [.. place.OpenAlerts.Select(openAlertOf)],
            [.. place.Devices().Select(DeviceInfoOf)],
            [.. place.RecentAlerts.Select(c => new ClosedAlert(openAlertOf(c.Alert), At(c.ClosedAt)))],
            saved.LastGuardVisit,
            saved.LastStaffVisit,
            [.. place.Snoozes.Select(SnoozeOf)],
            FocusOf(place.Focus));
    }

    /// <summary>The pushed status: the level and the values fresh enough to describe the place now.</summary>
    public static PlaceStatusChanged StatusChangedOf(Place place, string placeId, long now)
    {
        var core = place.Core;
        var values = new Dictionary<string, double>(SignalKinds.Count);
        var freshMs = (long)core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            var (value, at) = core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values[kind.Name()] = value;
            }
        }

        return new PlaceStatusChanged(placeId, core.Level, values, core.LastHeardAt == 0 ? null : At(core.LastHeardAt));
    }

    private static DateTimeOffset At(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
