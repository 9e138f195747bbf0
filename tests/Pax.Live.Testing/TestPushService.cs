using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Pax.Live.Testing;

/// <summary>
/// A push service as the browsers' vendors run one, on 127.0.0.1: RFC 8030's <c>POST {endpoint}</c> takes a message
/// with 201, or answers what a test told it to (410 once: the subscription is gone; 503 once: try again later).
/// </summary>
public sealed class TestPushService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedPush> _received = new();
    private readonly ConcurrentDictionary<string, int> _answerOnce = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _arrived = new(0);

    private TestPushService(WebApplication app, int port)
    {
        _app = app;
        Origin = $"http://127.0.0.1:{port}";
    }

    /// <summary>The service's origin, to allow in <c>Pax:Push:AllowedOrigins</c>.</summary>
    public string Origin { get; }

    /// <summary>Every push taken or answered so far.</summary>
    public IReadOnlyCollection<ReceivedPush> Received => _received;

    public static async Task<TestPushService> Start()
    {
        var port = TestPorts.Claim();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new TestPushService(app, port);
        app.MapPost("/push/{id}", service.Take);
        await app.StartAsync();
        return service;
    }

    /// <summary>A subscription's keys made as a browser makes them, with an endpoint at this service.</summary>
    public BrowserSubscription NewSubscription() => new($"{Origin}/push/{Guid.NewGuid():N}");

    /// <summary>The next request to <paramref name="endpoint"/> is answered <paramref name="status"/>, those after it 201.</summary>
    public void AnswerOnce(string endpoint, int status) => _answerOnce[endpoint] = status;

    /// <summary>Requests to <paramref name="endpoint"/> are taken but not answered until <see cref="Release"/>.</summary>
    public void Hold(string endpoint) => _held[endpoint] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers the held requests to <paramref name="endpoint"/>, and those after them at once.</summary>
    public void Release(string endpoint)
    {
        if (_held.TryRemove(endpoint, out var gate))
        {
            gate.SetResult();
        }
    }

    /// <summary>Waits for a push to <paramref name="endpoint"/> (30 s at most).</summary>
    public Task<ReceivedPush> WaitFor(string endpoint, Func<ReceivedPush, bool>? match = null) =>
        WaitFor(p => p.Endpoint == endpoint && (match is null || match(p)));

    /// <summary>Waits for a push that matches (30 s at most).</summary>
    public async Task<ReceivedPush> WaitFor(Func<ReceivedPush, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_received.FirstOrDefault(match) is { } push)
            {
                return push;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No such push; the service had {_received.Count}: {string.Join(", ", _received.Select(p => $"{p.Endpoint} {p.Status}"))}");
            }

            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }

    private async Task<IResult> Take(HttpContext context, string id)
    {
        var at = Stopwatch.GetTimestamp();
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var endpoint = $"{Origin}/push/{id}";
        var status = _answerOnce.TryRemove(endpoint, out var once) ? once : StatusCodes.Status201Created;
        var headers = context.Request.Headers;
        _received.Enqueue(new ReceivedPush(
            endpoint, at, status, headers["TTL"].ToString(), headers["Urgency"].ToString(), headers.ContentEncoding.ToString(),
            headers.Authorization.ToString(), body.ToArray()));
        _arrived.Release();
        if (_held.TryGetValue(endpoint, out var gate))
        {
            await gate.Task;
        }

        if (status == StatusCodes.Status201Created)
        {
            context.Response.Headers.Location = $"{Origin}/message/{Guid.NewGuid():N}";
        }

        return Results.StatusCode(status);
    }
}

/// <summary>One request the push service got, as it came.</summary>
public sealed record ReceivedPush(
    string Endpoint, long At, int Status, string Ttl, string Urgency, string ContentEncoding, string Authorization, byte[] Body)
{
    /// <summary>The VAPID token's claims, once its ES256 signature is checked with the key the request names (RFC 8292 section 3).</summary>
    public (JsonElement Claims, string PublicKey) VerifyVapid()
    {
        Assert.StartsWith("vapid ", Authorization, StringComparison.Ordinal);
        var parameters = Authorization["vapid ".Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        var token = parameters["t"];
        var key = parameters["k"];
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0])).RootElement;
        Assert.Equal("ES256", header.GetProperty("alg").GetString());
        var publicKey = Base64Url.DecodeFromChars(key);
        Assert.Equal(65, publicKey.Length);
        using var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = publicKey[1..33], Y = publicKey[33..] },
        });
        Assert.True(
            ecdsa.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256),
            "The VAPID token's signature does not hold.");
        return (JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1])).RootElement, key);
    }
}
