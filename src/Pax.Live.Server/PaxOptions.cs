using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Pax.Live.Server;

/// <summary>How every options class of the server is bound: one section each, checked when the host starts.</summary>
public static class PaxOptions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/>, validated by its data annotations when the host
    /// starts (a bad value stops the start and names the option), and registers the value itself for constructors that
    /// take it. Returns the bound value for what the host decides while it is being built (which services to add).
    /// </summary>
    public static T AddPaxOptions<T>(this IHostApplicationBuilder builder, string section) where T : class, new()
    {
        builder.Services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return builder.Configuration.GetSection(section).Get<T>() ?? new T();
    }
}
