using Pax.Live.Grains;

namespace Pax.Live.Server.History;

/// <summary>Rows written together, in one transaction.</summary>
public sealed class HistoryBatch
{
    public List<RollupRow> Rollups { get; } = [];

    public List<LevelChangeRow> Levels { get; } = [];

    public List<AlertRow> Alerts { get; } = [];

    public List<DeviceChangeRow> Devices { get; } = [];

    /// <summary>How many rows, of every kind.</summary>
    public int Count => Rollups.Count + Levels.Count + Alerts.Count + Devices.Count;

    public void Clear()
    {
        Rollups.Clear();
        Levels.Clear();
        Alerts.Clear();
        Devices.Clear();
    }
}
