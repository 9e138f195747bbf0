using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Audio;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Provisioning;
using Pax.Live.Edge.Simulation;

namespace Pax.Live.Edge;

/// <summary>
/// Starts every lawful camera on its own thread with its own MQTT connection, and the simulator if enabled; with
/// <see cref="EdgeOptions.Provision"/> set, each device first gets its credentials from the server's API.
/// </summary>
public sealed partial class EdgeWorker(IOptions<EdgeOptions> options, ILoggerFactory loggers, IHostApplicationLifetime? lifetime = null) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<EdgeWorker>();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var edge = options.Value;
        Cv2.SetNumThreads(Math.Max(1, edge.OpenCvThreads));
        var tasks = new List<Task>();
        var publishers = new List<DevicePublisher>();
        using var provisioner = edge.Provision.IsSet ? new DeviceProvisioner(edge.Provision, loggers.CreateLogger<DeviceProvisioner>()) : null;
        if (provisioner is not null && !await SignInAsync(provisioner, stoppingToken).ConfigureAwait(false))
        {
            return;
        }

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

            var credentials = camera.Credentials;
            if (provisioner is not null && (credentials = await ProvisionAsync(provisioner, camera.DeviceId, camera.PlaceId, stoppingToken).ConfigureAwait(false)) is null)
            {
                continue;
            }

            var publisher = new DevicePublisher(edge.Mqtt, edge.Store, camera.PlaceId, camera.DeviceId, loggers.CreateLogger<DevicePublisher>(), credentials);
            publishers.Add(publisher);
            tasks.Add(publisher.RunAsync(stoppingToken));
            var sound = camera.Audio.Enabled ? new SoundLevel() : null;
            var worker = new CameraWorker(camera, publisher, loggers.CreateLogger<CameraWorker>()) { Sound = sound };
            tasks.Add(Task.Factory.StartNew(() => worker.Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            if (sound is not null)
            {
                // Its own thread and ffmpeg: the camera's sound never slows its frames, nor they its sound.
                var source = string.IsNullOrWhiteSpace(camera.Audio.Source) ? camera.Source : camera.Audio.Source;
                var hearing = new AudioWorker(camera.DeviceId, source, camera.Audio, camera.Loop, publisher.Publish, sound, loggers.CreateLogger<AudioWorker>());
                tasks.Add(Task.Factory.StartNew(() => hearing.Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            }

            LogStartedCamera(_logger, camera.DeviceId, camera.PlaceId, camera.Purpose, camera.LegalBasis);
        }

        foreach (var microphone in edge.Microphones)
        {
            var errors = microphone.Validate();
            if (errors.Count > 0)
            {
                // Listening in a public place needs its own purpose and legal basis: without them the microphone is refused.
                foreach (var error in errors)
                {
                    LogRefusedMicrophone(_logger, error);
                }

                continue;
            }

            var publisher = new DevicePublisher(edge.Mqtt, edge.Store, microphone.PlaceId, microphone.DeviceId, loggers.CreateLogger<DevicePublisher>(), microphone.Credentials);
            publishers.Add(publisher);
            tasks.Add(publisher.RunAsync(stoppingToken));
            var hearing = new AudioWorker(microphone.DeviceId, microphone.Source, microphone, microphone.Loop, publisher.Publish, null, loggers.CreateLogger<AudioWorker>());
            tasks.Add(Task.Factory.StartNew(() => hearing.Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
            LogStartedMicrophone(_logger, microphone.DeviceId, microphone.PlaceId, microphone.Purpose, microphone.LegalBasis);
        }

        if (edge.Simulator.Enabled)
        {
            var simulator = new Simulator(edge.Simulator, TimeProvider.System);
            foreach (var device in simulator.Devices)
            {
                var credentials = edge.Simulator.Credentials.GetValueOrDefault(device.DeviceId);
                if (provisioner is not null && (credentials = await ProvisionAsync(provisioner, device.DeviceId, device.PlaceId, stoppingToken).ConfigureAwait(false)) is null)
                {
                    continue;
                }

                var publisher = new DevicePublisher(
                    edge.Mqtt, edge.Store, device.PlaceId, device.DeviceId, loggers.CreateLogger<DevicePublisher>(), credentials);
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

    /// <summary>Signs in to provision; a refused admin stops the agent (exit code 1): nothing could connect.</summary>
    private async Task<bool> SignInAsync(DeviceProvisioner provisioner, CancellationToken stoppingToken)
    {
        try
        {
            await provisioner.SignInAsync(stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (ProvisioningRefusedException e)
        {
            LogProvisioningStopped(_logger, e.Message);
            Environment.ExitCode = 1;
            lifetime?.StopApplication();
            return false;
        }
    }

    /// <summary>A device's issued credentials, or null when the server refused it (logged; the others still run).</summary>
    private async Task<DeviceCredentials?> ProvisionAsync(DeviceProvisioner provisioner, string deviceId, string placeId, CancellationToken stoppingToken)
    {
        try
        {
            return await provisioner.ProvisionAsync(deviceId, placeId, stoppingToken).ConfigureAwait(false);
        }
        catch (ProvisioningRefusedException e)
        {
            LogDeviceNotProvisioned(_logger, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Critical, Message = "Cannot provision the devices, stopping: {Reason}")]
    private static partial void LogProvisioningStopped(ILogger logger, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Error, Message = "Device not started: {Reason}")]
    private static partial void LogDeviceNotProvisioned(ILogger logger, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Critical, Message = "Camera refused: {Reason}")]
    private static partial void LogRefusedCamera(ILogger logger, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Camera {DeviceId} at {PlaceId} started; purpose: {Purpose}; legal basis: {LegalBasis}")]
    private static partial void LogStartedCamera(ILogger logger, string deviceId, string placeId, string purpose, string legalBasis);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Critical, Message = "Microphone refused: {Reason}")]
    private static partial void LogRefusedMicrophone(ILogger logger, string reason);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Microphone {DeviceId} at {PlaceId} started; purpose: {Purpose}; legal basis: {LegalBasis}")]
    private static partial void LogStartedMicrophone(ILogger logger, string deviceId, string placeId, string purpose, string legalBasis);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Error, Message = "Nothing to run: no lawful camera and the simulator is off")]
    private static partial void LogNothingToRun(ILogger logger);
}
