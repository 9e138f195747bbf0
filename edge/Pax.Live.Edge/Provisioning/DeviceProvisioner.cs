using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Provisioning;

/// <summary>Why provisioning cannot go on: the server refused the admin or a device, and retrying will not change that.</summary>
public sealed class ProvisioningRefusedException(string message) : Exception(message);

/// <summary>
/// Signs in to the server as an admin and issues each device's credentials (<c>PUT /api/devices/{id}</c>
/// <c>{"place": …}</c>); a device provisioned again gets a new secret and the old one stops working. Waits for a
/// server that is not up yet; a refused sign-in or device is not retried.
/// </summary>
public sealed partial class DeviceProvisioner : IDisposable
{
    private readonly ProvisionOptions _options;
    private readonly ILogger _logger;
    private readonly HttpClient _http;

    /// <summary>Creates the provisioner of <paramref name="options"/>'s server.</summary>
    public DeviceProvisioner(ProvisionOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _http = new HttpClient { BaseAddress = new Uri(options.Server!.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Signs in, waiting while the server cannot be reached.</summary>
    public async Task SignInAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                using var login = await _http.PostAsJsonAsync(
                    "api/auth/login", new { username = _options.User, password = _options.Password ?? "" }, cancellationToken).ConfigureAwait(false);
                if (login.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest)
                {
                    throw new ProvisioningRefusedException(
                        $"{_http.BaseAddress} refused the sign-in of '{_options.User}' ({(int)login.StatusCode}): check the password (--password, {ProvisionOptions.PasswordVariable} or the prompt)");
                }

                if (login.IsSuccessStatusCode)
                {
                    using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                    _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", body.RootElement.GetProperty("token").GetString());
                    LogSignedIn(_logger, _options.User, _http.BaseAddress!);
                    return;
                }

                LogWaiting(_logger, _http.BaseAddress!, $"{(int)login.StatusCode} {login.ReasonPhrase}");
            }
            catch (HttpRequestException e)
            {
                // Quiet for the first seconds: the server is often started a moment after the agent.
                if (attempt++ > 0)
                {
                    LogWaiting(_logger, _http.BaseAddress!, e.Message);
                }
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                LogWaiting(_logger, _http.BaseAddress!, "no answer in 30 s");
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.1, _options.RetrySeconds)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Issues <paramref name="deviceId"/>'s credentials for <paramref name="placeId"/> and returns them.</summary>
    /// <exception cref="ProvisioningRefusedException">The server refused the device (no such place, a bad id, not an admin).</exception>
    public async Task<DeviceCredentials> ProvisionAsync(string deviceId, string placeId, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var answer = await _http.PutAsJsonAsync(
                    $"api/devices/{Uri.EscapeDataString(deviceId)}", new { place = placeId }, cancellationToken).ConfigureAwait(false);
                var text = await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (answer.IsSuccessStatusCode)
                {
                    using var body = JsonDocument.Parse(text);
                    LogProvisioned(_logger, deviceId, placeId);
                    return new DeviceCredentials
                    {
                        Username = body.RootElement.GetProperty("username").GetString(),
                        Password = body.RootElement.GetProperty("secret").GetString(),
                    };
                }

                if ((int)answer.StatusCode is >= 400 and < 500)
                {
                    throw new ProvisioningRefusedException($"{_http.BaseAddress} refused to provision {deviceId} for {placeId} ({(int)answer.StatusCode}): {text}");
                }

                LogWaiting(_logger, _http.BaseAddress!, $"{(int)answer.StatusCode} {answer.ReasonPhrase}");
            }
            catch (HttpRequestException e)
            {
                LogWaiting(_logger, _http.BaseAddress!, e.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.1, _options.RetrySeconds)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The admin's password when none is configured: <see cref="ProvisionOptions.PasswordVariable"/>, else asked on
    /// the console (without echo when it is a terminal), else null.
    /// </summary>
    public static string? AskPassword(string server, string user, TextReader input, TextWriter prompt, bool interactive)
    {
        if (Environment.GetEnvironmentVariable(ProvisionOptions.PasswordVariable) is { Length: > 0 } fromEnvironment)
        {
            return fromEnvironment;
        }

        prompt.Write($"Password of '{user}' at {server}: ");
        prompt.Flush();
        if (!interactive)
        {
            return input.ReadLine();
        }

        var password = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                prompt.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                password.Length = Math.Max(0, password.Length - 1);
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Signed in as '{User}' at {Server} to provision this agent's devices")]
    private static partial void LogSignedIn(ILogger logger, string user, Uri server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned {DeviceId} for {PlaceId}: connecting with its newly issued secret")]
    private static partial void LogProvisioned(ILogger logger, string deviceId, string placeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for {Server} to provision the devices: {Reason}")]
    private static partial void LogWaiting(ILogger logger, Uri server, string reason);
}
