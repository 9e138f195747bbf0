using Pax.Live.Abstractions;
using Pax.Live.Aggregation;

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

    private static DateTimeOffset At(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);
}
