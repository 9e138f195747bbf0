using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Pax.Live.Server.Tests;

/// <summary>The server as shipped (no anonymous devices), with a small message budget per device and a TLS listener.</summary>
#pragma warning disable CA1001 // xunit disposes fixtures through IAsyncLifetime.DisposeAsync.
public sealed class TrustedServerFixture : IAsyncLifetime
{
    private const string CertificatePassword = "tls-test";

    public TrustedServerFixture()
    {
        var data = ServerProcess.NewTempDirectory("pax-trust");
        CertificatePath = data + "-broker.pfx";
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=pax-test-broker", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        Thumbprint = certificate.Thumbprint;
        File.WriteAllBytes(CertificatePath, certificate.Export(X509ContentType.Pkcs12, CertificatePassword));
        Server = new ServerProcess(data,
            "--Pax:Mqtt:AllowAnonymous=false",
            "--Pax:Http:LoginAttemptsPerMinute=5",
            "--Pax:Ui:TileUrl=https://{s}.tiles.example.org/{z}/{x}/{y}.png",
            "--Pax:Mqtt:MessagesPerSecond=0.5",
            "--Pax:Mqtt:Burst=5",
            "--Pax:Mqtt:EventsPerSecond=0.1",
            "--Pax:Mqtt:EventBurst=3",
            $"--Pax:Mqtt:TlsPort={TlsPort}",
            $"--Pax:Mqtt:TlsCertificate={CertificatePath}",
            $"--Pax:Mqtt:TlsCertificatePassword={CertificatePassword}");
    }

    public ServerProcess Server { get; }

    public int TlsPort { get; } = TestPorts.Claim();

    public string CertificatePath { get; }

    /// <summary>The broker certificate's thumbprint: clients pin it.</summary>
    public string Thumbprint { get; }

#pragma warning restore CA1001
    public Task InitializeAsync() => Server.Start();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Server.DataDirectory, recursive: true);
        File.Delete(CertificatePath);
    }
}

/// <summary>Devices prove who they are, publish only for their own place and id, within a budget; revoking one drops it at once.</summary>
public sealed partial class DeviceTrustTests(TrustedServerFixture fixture, ITestOutputHelper output) : IClassFixture<TrustedServerFixture>
{
    private ServerProcess Server => fixture.Server;

    private async Task<string> Place()
    {
        var id = "trust-" + Guid.NewGuid().ToString("N")[..8];
        var put = await Server.Http.PutAsJsonAsync($"/api/places/{id}", new { name = "Tillitstorget", kind = "torg", area = "norr", latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return id;
    }

    private async Task<(string Device, string Secret)> Provision(string place, string? device = null)
    {
        device ??= "cam-" + Guid.NewGuid().ToString("N")[..8];
        var response = await Server.Http.PutAsJsonAsync($"/api/devices/{device}", new { place });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        var issued = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(device, issued.GetProperty("username").GetString());
        Assert.Equal($"pax/v1/{place}/{device}/command", issued.GetProperty("commandTopic").GetString());
        return (device, issued.GetProperty("secret").GetString()!);
    }

    private Task<(IMqttClient Client, MqttClientConnectResultCode Code)> Connect(
        string? user, string? secret, string? clientId = null, bool tls = false, Func<MqttClientCertificateValidationEventArgs, bool>? validate = null)
    {
        var options = MqttSignIn.Options(tls ? fixture.TlsPort : Server.MqttPort, user, secret, clientId);
        if (tls)
        {
            options.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(validate ?? (e => e.Certificate.GetCertHashString() == fixture.Thumbprint)));
        }

        return MqttSignIn.Connect(options.Build());
    }

    private async Task<StatsDocument> Stats() => (await Server.Http.GetFromJsonAsync<StatsDocument>("/api/ingest/stats"))!;

    private static MqttApplicationMessage Message(string topic, params (string Kind, double Value)[] signals) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Device.Signals(Device.Now, signals))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    [Fact]
    public async Task AnonymousAndWrongCredentialsAreRefusedAndCounted()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var before = (await Stats()).RefusedConnections!;

        var (anonymous, anonymousCode) = await Connect(null, null);
        var (wrong, wrongCode) = await Connect(device, secret + "x");
        var (stranger, strangerCode) = await Connect("no-such-device", secret);
        using var _1 = anonymous;
        using var _2 = wrong;
        using var _3 = stranger;

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, anonymousCode);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, wrongCode);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, strangerCode);
        var after = (await Stats()).RefusedConnections!;
        Assert.Equal(before["anonymous"] + 1, after["anonymous"]);
        Assert.Equal(before["bad_credentials"] + 2, after["bad_credentials"]);

        // The list never shows a secret or its hash.
        var listed = await Server.Http.GetStringAsync("/api/devices");
        Assert.Contains(device, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain("sha256", listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADevicePublishesOnlyForItsOwnPlaceAndIdAndSubscribesOnlyToItsCommands()
    {
        var (place, other) = (await Place(), await Place());
        var (device, secret) = await Provision(place);
        var (client, code) = await Connect(device, secret);
        using var _ = client;
        Assert.Equal(MqttClientConnectResultCode.Success, code);
        var before = await Stats();

        var own = await client.PublishAsync(Message($"pax/v1/{place}/{device}/signals", ("people", 7)));
        var elsewhere = await client.PublishAsync(Message($"pax/v1/{other}/{device}/signals", ("people", 99)));
        var impostor = await client.PublishAsync(Message($"pax/v1/{place}/someone-else/signals", ("people", 99)));

        Assert.True(own.IsSuccess);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, elsewhere.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, impostor.ReasonCode);
        await Server.WaitForPlace(place, v => v.GetProperty("values").TryGetProperty("people", out var p) && p.GetDouble() == 7);
        var after = await Stats();
        Assert.Equal(before.Rejected["not_allowed"] + 2, after.Rejected["not_allowed"]);
        var otherView = await Server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{other}");
        Assert.Equal(0, otherView.GetProperty("devices").GetArrayLength());
        Assert.DoesNotContain(
            (await Server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{place}")).GetProperty("devices").EnumerateArray(),
            d => d.GetProperty("deviceId").GetString() == "someone-else");

        var everything = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("pax/#").Build());
        var commands = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"pax/v1/{place}/{device}/command").Build());
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(everything.Items).ResultCode);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS0, Assert.Single(commands.Items).ResultCode);
    }

    [Fact]
    public async Task RevokingADeviceOrIssuingANewSecretDropsItsConnectionAtOnce()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var (client, code) = await Connect(device, secret);
        using var _1 = client;
        Assert.Equal(MqttClientConnectResultCode.Success, code);

        // A new secret: the old one is void and its connection goes.
        var (_, fresh) = await Provision(place, device);
        await Api.Until(() => !client.IsConnected);
        var (stale, staleCode) = await Connect(device, secret);
        using var _2 = stale;
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, staleCode);

        var (renewed, renewedCode) = await Connect(device, fresh);
        using var _3 = renewed;
        Assert.Equal(MqttClientConnectResultCode.Success, renewedCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Server.Http.DeleteAsync($"/api/devices/{device}")).StatusCode);
        await Api.Until(() => !renewed.IsConnected);
        var (revoked, revokedCode) = await Connect(device, fresh);
        using var _4 = revoked;
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, revokedCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.DeleteAsync("/api/devices/never-issued")).StatusCode);
        var listed = await Server.Http.GetFromJsonAsync<JsonElement[]>("/api/devices");
        Assert.Contains(listed!, d => d.GetProperty("deviceId").GetString() == device && d.GetProperty("revokedAt").ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task OneLiveConnectionPerDevice()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var (first, _) = await Connect(device, secret, clientId: device);
        var (second, code) = await Connect(device, secret, clientId: $"{place}.{device}");
        using var _1 = first;
        using var _2 = second;

        Assert.Equal(MqttClientConnectResultCode.Success, code);
        await Api.Until(() => !first.IsConnected);
        Assert.True(second.IsConnected);
    }

    [Fact]
    public async Task ADeviceOverItsBudgetLosesPeriodicReadingsButItsAlertsPassUpToTheirCap()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var (client, _) = await Connect(device, secret);
        using var _1 = client;
        var topic = $"pax/v1/{place}/{device}/signals";
        var before = await Stats();

        // The budget is 5 at once, then one per 2 s; events have 3 more of their own.
        var periodic = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 8; i++)
        {
            periodic.Add((await client.PublishAsync(Message(topic, ("people", i)))).ReasonCode);
        }

        var events = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 5; i++)
        {
            events.Add((await client.PublishAsync(Message(topic, ("impulse", 1)))).ReasonCode);
        }

        Assert.True(periodic.Count(c => c == MqttClientPublishReasonCode.QuotaExceeded) >= 2, string.Join(", ", periodic));
        Assert.Equal(3, events.Count(c => c == MqttClientPublishReasonCode.Success));
        var after = await Stats();
        var limited = after.Rejected["rate_limited"] - before.Rejected["rate_limited"];
        Assert.Equal(periodic.Concat(events).Count(c => c == MqttClientPublishReasonCode.QuotaExceeded), limited);
        await Server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() == 1);
    }

    [Fact]
    public async Task APacketOverTheCapClosesTheConnectionBeforeItIsReadAndIsCounted()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);
        var (client, _) = await Connect(device, secret);
        using var _1 = client;
        var before = await Stats();

        var huge = new MqttApplicationMessageBuilder().WithTopic($"pax/v1/{place}/{device}/signals")
            .WithPayload(new byte[4 * 1024 * 1024]).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        await Assert.ThrowsAnyAsync<Exception>(() => client.PublishAsync(huge));
        await Api.Until(() => !client.IsConnected);

        var after = await Stats();
        Assert.Equal(before.Rejected["too_large"] + 1, after.Rejected["too_large"]);
        Assert.True(Server.IsRunning);

        // The device comes back and carries on; a packet under the cap still goes through as before.
        var (again, code) = await Connect(device, secret);
        using var _2 = again;
        Assert.Equal(MqttClientConnectResultCode.Success, code);
        Assert.True((await again.PublishAsync(Message($"pax/v1/{place}/{device}/signals", ("people", 5)))).IsSuccess);
        await Server.WaitForPlace(place, v => v.GetProperty("values").TryGetProperty("people", out var p) && p.GetDouble() == 5);
    }

    [Fact]
    public async Task OverTlsWithThePinnedCertificateAndNotWithAnother()
    {
        var place = await Place();
        var (device, secret) = await Provision(place);

        var (pinned, code) = await Connect(device, secret, tls: true);
        using var _1 = pinned;
        Assert.Equal(MqttClientConnectResultCode.Success, code);
        Assert.True((await pinned.PublishAsync(Message($"pax/v1/{place}/{device}/signals", ("sound", 61)))).IsSuccess);
        await Server.WaitForPlace(place, v => v.GetProperty("values").TryGetProperty("sound", out var s) && s.GetDouble() == 61);

        var other = new MqttClientFactory().CreateMqttClient();
        using var _2 = other;
        await Assert.ThrowsAnyAsync<Exception>(() => other.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", fixture.TlsPort)
            .WithCredentials(device, secret)
            .WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e => e.Certificate.GetCertHashString() == "00"))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build()));
    }

    [Fact]
    public async Task ReadmeWalkthroughWithMosquittoPubTurnsStoraTorgetRed()
    {
        // The README's commands, with the test server's ports: provision the camera, then publish as it.
        var (device, secret) = await Provision("stora-torget", "cam-1");
        var ts = Device.Now;
        var mosquitto = Process.Start(new ProcessStartInfo("mosquitto_pub")
        {
            ArgumentList =
            {
                "-h", "127.0.0.1", "-p", Server.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-i", device, "-u", device, "-P", secret, "-q", "1",
                "-t", "pax/v1/stora-torget/cam-1/signals",
                "-m", $"{{\"ts\": {ts}, \"signals\": [{{\"kind\": \"impulse\", \"value\": 1}}]}}",
            },
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("mosquitto_pub (Debian's mosquitto-clients) is needed; the test command installs it.");
        await mosquitto.WaitForExitAsync();
        Assert.True(mosquitto.ExitCode == 0, await mosquitto.StandardError.ReadToEndAsync());

        var view = await Server.WaitForPlace("stora-torget", v => v.GetProperty("level").GetString() == "alert");
        Assert.Equal("impulse", view.GetProperty("openAlerts")[0].GetProperty("kind").GetString());
    }
}
