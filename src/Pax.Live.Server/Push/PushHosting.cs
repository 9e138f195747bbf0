using Pax.Live.Grains;

namespace Pax.Live.Server.Push;

/// <summary>Web Push to the guards' phones.</summary>
public static class PushHosting
{
    /// <summary>Binds <see cref="PushOptions"/> and adds the sender, which the alerts' grains hand their events to.</summary>
    public static IHostApplicationBuilder AddPaxPush(this IHostApplicationBuilder builder)
    {
        builder.AddPaxOptions<PushOptions>(PushOptions.Section);
        builder.Services.AddSingleton<PushKeys>();
        builder.Services.AddSingleton<PushSender>();
        builder.Services.AddSingleton<IAlertPushSink>(sp => sp.GetRequiredService<PushSender>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PushSender>());
        return builder;
    }
}
