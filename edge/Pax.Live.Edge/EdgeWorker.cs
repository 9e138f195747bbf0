using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Simulation;

namespace Pax.Live.Edge;

/// <summary>Starts every lawful camera on its own thread with its own MQTT connection, and the simulator if enabled.</summary>
public sealed partial class EdgeWorker(IOptions<EdgeOptions> options, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<EdgeWorker>();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var edge = options.Value;
        Cv2.SetNumThreads(Math.Max(1, edge.OpenCvThreads));
        var tasks = new List<Task>();
        var publishers = new List<DevicePublisher>();
        foreach (var camera in edge.Cameras)
        {
            var errors = camera.Validate();
            if (errors.Count > 0)
            {
                // Filming needs a purpose and a legal basis: a camera without them is refused, the others still run.
                foreach (var error in errors)
                {
                    LogRefusedCamera(_logger, error);
                }

                continue;
            }

            var publisher = new DevicePublisher(edge.Mqtt, edge.Store, camera.PlaceId, camera.DeviceId, loggers.CreateLogger<DevicePublisher>(), camera.Credentials);
            publishers.Add(publisher);
            tasks.Add(publisher.RunAsync(stoppingToken));
            var worker = new CameraWorker(camera, publisher, loggers.CreateLogger<CameraWorker>());
            tasks.Add(Task.Factory.StartNew(() => worker.Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            LogStartedCamera(_logger, camera.DeviceId, camera.PlaceId, camera.Purpose, camera.LegalBasis);
        }

        if (edge.Simulator.Enabled)
        {
            var simulator = new Simulator(edge.Simulator, TimeProvider.System);
            foreach (var device in simulator.Devices)
            {
                var publisher = new DevicePublisher(
                    edge.Mqtt, edge.Store, device.PlaceId, device.DeviceId, loggers.CreateLogger<DevicePublisher>(), edge.Simulator.Credentials.GetValueOrDefault(device.DeviceId));
                publishers.Add(publisher);
                tasks.Add(publisher.RunAsync(stoppingToken));
                device.Publisher = publisher;
            }

            tasks.Add(simulator.RunAsync(stoppingToken));
        }

        if (tasks.Count == 0)
        {
            LogNothingToRun(_logger);
            return;
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            foreach (var publisher in publishers)
            {
                await publisher.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Critical, Message = "Camera refused: {Reason}")]
    private static partial void LogRefusedCamera(ILogger logger, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Camera {DeviceId} at {PlaceId} started; purpose: {Purpose}; legal basis: {LegalBasis}")]
    private static partial void LogStartedCamera(ILogger logger, string deviceId, string placeId, string purpose, string legalBasis);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Error, Message = "Nothing to run: no lawful camera and the simulator is off")]
    private static partial void LogNothingToRun(ILogger logger);
}
