using Matrix.Homeserver.Http;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.AppServices;

/// <summary>Why a call to an AS failed: no answer, too slow, or an answer with a non-2xx status.</summary>
public sealed class AppServiceCallException(string message, AppServiceFailure failure, int? status = null, JsonNode? body = null) : Exception(message)
{
    public AppServiceFailure Failure { get; } = failure;
    public int? Status { get; } = status;
    public JsonNode? Body { get; } = body;
}

public enum AppServiceFailure
{
    ConnectionFailed,
    Timeout,
    BadStatus,
}

/// <summary>
/// HTTP calls to application services (the Application Service API), each with the AS's hs_token as a bearer token.
/// AS URLs come from the operator's registration files, so private and loopback addresses are allowed (bridges
/// usually run beside the server). Answers are read up to 1 MiB.
/// </summary>
public sealed class AppServiceClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AllowAutoRedirect = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
        MaxResponseContentBufferSize = 1024 * 1024,
    };

    public Task<JsonNode?> PutAsync(AppServiceRegistration appService, string path, JsonNode body, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        SendAsync(appService, HttpMethod.Put, path, body, timeout ?? DefaultTimeout, cancellationToken);

    public Task<JsonNode?> PostAsync(AppServiceRegistration appService, string path, JsonNode body, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        SendAsync(appService, HttpMethod.Post, path, body, timeout ?? DefaultTimeout, cancellationToken);

    public Task<JsonNode?> GetAsync(AppServiceRegistration appService, string path, CancellationToken cancellationToken, TimeSpan? timeout = null) =>
        SendAsync(appService, HttpMethod.Get, path, null, timeout ?? DefaultTimeout, cancellationToken);

    /// <exception cref="AppServiceCallException">The AS could not be reached in time or answered a non-2xx status.</exception>
    /// <exception cref="InvalidOperationException">The AS has no URL.</exception>
    private async Task<JsonNode?> SendAsync(AppServiceRegistration appService, HttpMethod method, string path, JsonNode? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = appService.Url ?? throw new InvalidOperationException($"application service {appService.Id} has no URL");
        using var request = new HttpRequestMessage(method, url + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", appService.HsToken);
        if (body is not null) request.Content = OutboundJson.Content(body);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AppServiceCallException($"no answer within {timeout.TotalSeconds:0} s", AppServiceFailure.Timeout);
        }
        catch (HttpRequestException e)
        {
            throw new AppServiceCallException(e.Message, AppServiceFailure.ConnectionFailed);
        }

        using (response)
        {
            JsonNode? json = null;
            try
            {
                var text = await response.Content.ReadAsStringAsync(deadline.Token);
                if (text.Length > 0) json = JsonNode.Parse(text);
            }
            catch (Exception e) when ((e is System.Text.Json.JsonException or HttpRequestException or OperationCanceledException) && !cancellationToken.IsCancellationRequested)
            {
                // An unreadable body: only the status counts.
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new AppServiceCallException($"answered {(int)response.StatusCode}", AppServiceFailure.BadStatus, (int)response.StatusCode, json);
            }

            return json;
        }
    }

    public void Dispose() => _http.Dispose();
}
