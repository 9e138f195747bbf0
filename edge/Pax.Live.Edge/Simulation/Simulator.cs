using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Simulation;

/// <summary>One synthetic camera.</summary>
public sealed class SimulatedDevice(string placeId, string deviceId, int seed)
{
    /// <summary>The place it reports for.</summary>
    public string PlaceId { get; } = placeId;

    /// <summary>Its device id.</summary>
    public string DeviceId { get; } = deviceId;

    /// <summary>Where its messages go; set before the simulator runs.</summary>
    public DevicePublisher? Publisher { get; set; }

    internal Random Random { get; } = new(seed);

    internal double Crowd { get; set; } = 1;

    internal DateTimeOffset? IncidentUntil { get; set; }

    internal SignalKind IncidentKind { get; set; }
}

/// <summary>
/// Synthetic devices for demos and load: people and motion follow a day (quiet at night, peaks at lunch and in the
/// evening), with noise, and now and then an incident: a bang, a fire, a covered camera or a gathering crowd.
/// </summary>
public sealed class Simulator
{
    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;

    /// <summary>Creates the devices of every configured place.</summary>
    public Simulator(SimulatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _start = time.GetUtcNow();
        var devices = new List<SimulatedDevice>();
        string[] places = options.Places.Count == 0 ? ["stora-torget", "storgatan"] : [.. options.Places.Distinct(StringComparer.Ordinal)];
        foreach (var place in places)
        {
            for (var i = 1; i <= options.DevicesPerPlace; i++)
            {
                devices.Add(new SimulatedDevice(place, DeviceIdFor(place, i), HashCode.Combine(place, i)));
            }
        }

        Devices = devices;
    }

    /// <summary>
    /// The id of a place's n-th simulated device: unique across places (<c>sim-{place}-{n}</c>), because the server
    /// issues credentials per device id and ties each device to one place.
    /// </summary>
    public static string DeviceIdFor(string placeId, int n)
    {
        var id = $"sim-{placeId}-{n}";
        return Ids.IsValid(id) ? id : $"sim-{placeId[..Math.Min(placeId.Length, 64 - 5 - n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length)].TrimEnd('-')}-{n}";
    }

    /// <summary>The synthetic devices.</summary>
    public IReadOnlyList<SimulatedDevice> Devices { get; }

    /// <summary>Publishes every device's readings at the configured rate until stopped.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / Math.Max(0.01, _options.RateHz)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                foreach (var device in Devices)
                {
                    device.Publisher?.Publish(Next(device, now));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The next message of <paramref name="device"/> at <paramref name="now"/>.</summary>
    public SignalMessage Next(SimulatedDevice device, DateTimeOffset now)
    {
        var simulated = _start + ((now - _start) * _options.TimeScale);
        var local = simulated.ToOffset(TimeSpan.FromHours(1));
        var expected = Busyness(local.TimeOfDay.TotalHours) * 30;

        // Crowds drift rather than jump: a random walk pulled towards the time of day's expectation.
        device.Crowd = Math.Max(0, device.Crowd + ((expected - device.Crowd) * 0.05) + (device.Random.NextDouble() - 0.5) * 2);
        Span<Signal> signals = stackalloc Signal[5];
        var count = 0;
        var incident = UpdateIncident(device, now);
        var people = Math.Round(device.Crowd * (incident == SignalKind.People ? 3 : 1));
        signals[count++] = new Signal(SignalKind.People, people);
        signals[count++] = new Signal(SignalKind.Motion, Math.Round(Math.Clamp((people / 60) + (device.Random.NextDouble() * 0.02), 0, 1), 4));
        signals[count++] = new Signal(SignalKind.Loiter, people > 0 ? Math.Round(device.Random.NextDouble() * 120) : 0);
        switch (incident)
        {
            case SignalKind.Impulse:
                signals[count++] = new Signal(SignalKind.Impulse, 1);
                device.IncidentUntil = null;
                break;
            case SignalKind.Fire:
                signals[count++] = new Signal(SignalKind.Fire, Math.Round(0.7 + (device.Random.NextDouble() * 0.3), 2));
                break;
            case SignalKind.Tamper:
                signals[count++] = new Signal(SignalKind.Tamper, 1);
                break;
        }

        return SignalMessage.Create(now.ToUnixTimeMilliseconds(), signals[..count]);
    }

    private SignalKind? UpdateIncident(SimulatedDevice device, DateTimeOffset now)
    {
        if (device.IncidentUntil is { } until)
        {
            if (now < until)
            {
                return device.IncidentKind;
            }

            device.IncidentUntil = null;
        }

        var perTick = _options.IncidentsPerHour / 3600 / Math.Max(0.01, _options.RateHz);
        if (device.Random.NextDouble() >= perTick)
        {
            return null;
        }

        SignalKind[] kinds = [SignalKind.Impulse, SignalKind.Fire, SignalKind.Tamper, SignalKind.People];
        device.IncidentKind = kinds[device.Random.Next(kinds.Length)];
        device.IncidentUntil = now + TimeSpan.FromSeconds(30 + device.Random.Next(90));
        return device.IncidentKind;
    }

    /// <summary>How busy a Swedish square is at an hour of the day, 0..1: near empty at 4, peaks at 12 and 17.</summary>
    public static double Busyness(double hour)
    {
        static double Peak(double hour, double at, double width) => Math.Exp(-Math.Pow((hour - at) / width, 2));
        return Math.Clamp(0.03 + (0.6 * Peak(hour, 12.5, 2)) + (0.9 * Peak(hour, 17, 2.5)) + (0.4 * Peak(hour, 21, 2)), 0, 1);
    }
}
