using Pax.Live.Grains;

namespace Pax.Live.Server.Push;

/// <summary>Web Push to the guards' phones.</summary>
public static class PushHosting
{
    /// <summary>Binds <see cref="PushOptions"/> and adds the sender, which the alerts' grains hand their events to.</summary>
    public static IHostApplicationBuilder AddPaxPush(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PushOptions>().BindConfiguration(PushOptions.Section)
            .Validate(o => o.Origins.All(e => Uri.TryCreate(e.Replace("://*.", "://", StringComparison.Ordinal), UriKind.Absolute, out _)),
                "Pax:Push:AllowedOrigins holds origins such as https://fcm.googleapis.com or https://*.notify.windows.com.")
            .Validate(o => string.IsNullOrWhiteSpace(o.VapidPublicKey) == string.IsNullOrWhiteSpace(o.VapidPrivateKey),
                "Pax:Push:VapidPublicKey and Pax:Push:VapidPrivateKey are set together, or neither.")
            .Validate(o => o.MaxAttempts >= 1 && o.Concurrency >= 1 && o.MaxPendingPerGuard >= 1 && o.MaxDevicesPerUser >= 1 && o.QueueCapacity >= 1
                && o.TimeToLive >= TimeSpan.Zero && o.RequestTimeout > TimeSpan.Zero, "Pax:Push's counts are at least 1, its times positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<PushOptions>>().Value);
        builder.Services.AddSingleton<PushKeys>();
        builder.Services.AddSingleton<PushSender>();
        builder.Services.AddSingleton<IAlertPushSink>(sp => sp.GetRequiredService<PushSender>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PushSender>());
        return builder;
    }
}
