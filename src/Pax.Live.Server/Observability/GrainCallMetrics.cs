using System.Diagnostics;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Observability;

/// <summary>
/// Measures from outside the grains what ingest hands to places and how alerts move, so that neither ingest's message
/// path nor the grains carry metrics code. It runs once per grain call — ingest makes one per place per round, not one
/// per message — and lets every other call through after two reference compares.
/// </summary>
public sealed class GrainCallMetrics(PaxMetrics metrics) : IOutgoingGrainCallFilter
{
    /// <inheritdoc />
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var type = context.Request.GetInterfaceType();
        if (type == typeof(IPlaceGrain) && context.MethodName == nameof(IPlaceGrain.Ingest)
            && context.Request.GetArgumentCount() == 1 && context.Request.GetArgument(0) is SignalBatch batch)
        {
            var started = Stopwatch.GetTimestamp();
            await context.Invoke();
            metrics.Ingested(batch.Samples, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return;
        }

        await context.Invoke();
        if (type == typeof(IAlertGrain) && StateEntered(context.MethodName) is { } state)
        {
            metrics.AlertEntered(state);
        }
    }

    /// <summary>The state an alert enters by a successful call of <paramref name="method"/>; null for calls that move nothing.</summary>
    internal static string? StateEntered(string method) => method switch
    {
        nameof(IAlertGrain.Open) => "raised",
        nameof(IAlertGrain.Acknowledge) => "acknowledged",
        nameof(IAlertGrain.Dispatch) => "dispatched",
        nameof(IAlertGrain.Received) => "received",
        nameof(IAlertGrain.Accept) => "accepted",
        nameof(IAlertGrain.OnSite) => "on_site",
        nameof(IAlertGrain.Resolve) => "resolved",
        _ => null,
    };
}

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
