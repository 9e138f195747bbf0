
namespace Pax.Live.Server.Observability;

/// <summary>Counts this node's open connections of <c>/hubs/live</c> without touching the hub itself.</summary>
public sealed class HubConnectionMetrics(PaxMetrics metrics) : Microsoft.AspNetCore.SignalR.IHubFilter
{
    /// <inheritdoc />
    public async Task OnConnectedAsync(Microsoft.AspNetCore.SignalR.HubLifetimeContext context, Func<Microsoft.AspNetCore.SignalR.HubLifetimeContext, Task> next)
    {
        await next(context);
        metrics.SignalRConnections(+1);
    }

    /// <inheritdoc />
    public async Task OnDisconnectedAsync(Microsoft.AspNetCore.SignalR.HubLifetimeContext context, Exception? exception, Func<Microsoft.AspNetCore.SignalR.HubLifetimeContext, Exception?, Task> next)
    {
        try
        {
            await next(context, exception);
        }
        finally
        {
            metrics.SignalRConnections(-1);
        }
    }
}
