using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport.Discovery;
using Matrix.Federation.Transport.Security;

namespace Matrix.Federation.Transport.Client;

/// <summary>
/// Outbound server-server requests: discovery, X-Matrix signing of every request (origin, destination, method,
/// request target, body), a time limit, a size limit on answers, no redirects, and errors as typed exceptions.
/// Thread-safe; one per process.
/// </summary>
public sealed class FederationClient : IDisposable
{
    private const int MaxAnswerDepth = 128;
    // No charset parameter: JSON has none (RFC 8259), and some receivers compare the type exactly (Synapse sends it plain).
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly FederationClientOptions _options;
    private readonly ServerNameResolver _resolver;
    private readonly HttpClient _http;

    /// <param name="handler">Normally <see cref="FederationHttpHandler.Create"/>; must not follow redirects.</param>
    public FederationClient(FederationClientOptions options, ServerNameResolver resolver, HttpMessageHandler handler)
    {
        _options = options;
        _resolver = resolver;
        _http = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Matrix.Homeserver", "1.0"));
    }

    public string OriginServerName => _options.OriginServerName;

    public Task<JsonObject> GetJsonAsync(string destination, string pathAndQuery, FederationCallOptions? call = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, destination, pathAndQuery, null, call, cancellationToken);

    public Task<JsonObject> PutJsonAsync(string destination, string pathAndQuery, JsonObject body, FederationCallOptions? call = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Put, destination, pathAndQuery, body, call, cancellationToken);

    public Task<JsonObject> PostJsonAsync(string destination, string pathAndQuery, JsonObject body, FederationCallOptions? call = null, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, destination, pathAndQuery, body, call, cancellationToken);

    /// <summary>Sends one signed request and returns the JSON object answered.</summary>
    /// <param name="pathAndQuery">Starting with /_matrix/, segments already escaped (<see cref="FederationPath"/>).</param>
    /// <exception cref="FederationHttpException">The server answered an error status.</exception>
    /// <exception cref="FederationUnreachableException">No usable answer.</exception>
    /// <exception cref="FederationRefusedException">We do not talk to this server.</exception>
    public Task<JsonObject> SendAsync(
        HttpMethod method, string destination, string pathAndQuery, JsonObject? body, FederationCallOptions? call = null, CancellationToken cancellationToken = default) =>
        ExchangeAsync(method, destination, pathAndQuery, body, call, async (server, response, ct) =>
        {
            using (response) return await ReadAsync(server, response, call?.MaxResponseBytes ?? _options.MaxResponseBytes, ct);
        }, cancellationToken);

    /// <summary>
    /// A PUT to a deprecated v1 membership endpoint (send_join, send_leave, invite), for servers that lack the v2 one:
    /// v1 wraps its answer as <c>[200, {...}]</c> (MSC1802); the object inside is returned.
    /// </summary>
    /// <exception cref="FederationHttpException">The server answered an error status.</exception>
    /// <exception cref="FederationUnreachableException">No usable answer.</exception>
    /// <exception cref="FederationRefusedException">We do not talk to this server.</exception>
    public Task<JsonObject> PutJsonV1Async(string destination, string pathAndQuery, JsonObject body, FederationCallOptions? call = null, CancellationToken cancellationToken = default) =>
        ExchangeAsync(HttpMethod.Put, destination, pathAndQuery, body, call, async (server, response, ct) =>
        {
            using (response)
            {
                var answer = await ReadNodeAsync(server, response, call?.MaxResponseBytes ?? _options.MaxResponseBytes, ct);
                return answer is JsonArray { Count: 2 } pair && pair[1] is JsonObject inner ? inner
                    : throw new FederationUnreachableException(server, $"{server} answered something other than [200, {{...}}]");
            }
        }, cancellationToken);

    /// <summary>
    /// True when an error answer says the server does not know the endpoint (it predates it), as Synapse tells: 404 or
    /// 405 without an errcode or with M_UNRECOGNIZED, or 400 M_UNRECOGNIZED. A 404 M_NOT_FOUND is the endpoint's answer.
    /// </summary>
    public static bool IsUnknownEndpoint(FederationHttpException e) =>
        (e.StatusCode is 404 or 405 && e.ErrCode is null or "M_UNRECOGNIZED") || (e.StatusCode == 400 && e.ErrCode == "M_UNRECOGNIZED");

    /// <summary>
    /// A signed GET whose successful answer is read by the caller as it streams (media): the time limit covers the
    /// answer's headers; the caller disposes the response and bounds what it reads.
    /// </summary>
    /// <exception cref="FederationHttpException">The server answered an error status.</exception>
    /// <exception cref="FederationUnreachableException">No usable answer.</exception>
    /// <exception cref="FederationRefusedException">We do not talk to this server.</exception>
    public Task<HttpResponseMessage> GetStreamAsync(string destination, string pathAndQuery, FederationCallOptions? call = null, CancellationToken cancellationToken = default) =>
        ExchangeAsync(HttpMethod.Get, destination, pathAndQuery, null, call, async (server, response, ct) =>
        {
            if (response.IsSuccessStatusCode) return response;
            using (response) throw await ErrorAsync(server, response, ct);
        }, cancellationToken);

    private async Task<T> ExchangeAsync<T>(
        HttpMethod method, string destination, string pathAndQuery, JsonObject? body, FederationCallOptions? call,
        Func<string, HttpResponseMessage, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        if (!_options.Enabled) throw new FederationRefusedException(destination, "federation is disabled");
        if (!_options.DomainPolicy.IsAllowed(destination)) throw new FederationRefusedException(destination, $"federation with {destination} is not allowed");
        if (!pathAndQuery.StartsWith("/_matrix/", StringComparison.Ordinal)) throw new ArgumentException("a federation path starts with /_matrix/", nameof(pathAndQuery));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(call?.Timeout ?? _options.DefaultTimeout);
        var content = body is null ? null : CanonicalJson.Serialize(body, CanonicalJsonMode.Lenient);
        try
        {
            var server = await _resolver.ResolveAsync(destination, timeout.Token);
            var response = await SendToAsync(server, method, pathAndQuery, body, content, timeout.Token);
            return await read(server.ServerName, response, timeout.Token);
        }
        catch (ServerDiscoveryException e)
        {
            throw new FederationUnreachableException(destination, $"cannot resolve {destination}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FederationUnreachableException(destination, $"request to {destination} timed out", e);
        }
    }

    /// <summary>The answer of the first target that can be reached, headers read.</summary>
    private async Task<HttpResponseMessage> SendToAsync(
        ResolvedServer server, HttpMethod method, string pathAndQuery, JsonObject? body, byte[]? content, CancellationToken cancellationToken)
    {
        Exception? lastFailure = null;
        var blocked = 0;
        foreach (var target in server.Targets)
        {
            using var request = new HttpRequestMessage(method, new Uri($"https://{target}{pathAndQuery}"));
            request.Headers.Host = server.HostHeader;
            if (server.IsOverride) request.Options.Set(GuardedConnector.AllowPrivate, true);
            // Sign exactly the request target that will be sent.
            var authorization = RequestSigning.Sign(
                method.Method, request.RequestUri!.PathAndQuery, _options.OriginServerName, server.ServerName, body, _options.SigningKey);
            request.Headers.TryAddWithoutValidation("Authorization", authorization.ToHeaderValue());
            if (content is not null) request.Content = new ByteArrayContent(content) { Headers = { ContentType = JsonType } };

            try
            {
                return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            }
            catch (HttpRequestException e) when (IsConnectFailure(e))
            {
                // Nothing was sent: the next SRV target may answer.
                if (e.InnerException is BlockedAddressException) blocked++;
                lastFailure = e;
            }
            catch (HttpRequestException e)
            {
                throw new FederationUnreachableException(server.ServerName, $"request to {server.ServerName} failed: {e.Message}", e);
            }
        }

        if (blocked == server.Targets.Count)
        {
            throw new FederationRefusedException(server.ServerName, $"{server.ServerName} resolves only to non-public addresses", lastFailure);
        }

        throw new FederationUnreachableException(server.ServerName, $"cannot connect to {server.ServerName}: {lastFailure?.InnerException?.Message ?? lastFailure?.Message}", lastFailure);
    }

    private async Task<JsonObject> ReadAsync(string destination, HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken) =>
        await ReadNodeAsync(destination, response, maxBytes, cancellationToken) as JsonObject
        ?? throw new FederationUnreachableException(destination, $"{destination} answered something other than a JSON object");

    private async Task<JsonNode?> ReadNodeAsync(string destination, HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw await ErrorAsync(destination, response, cancellationToken);
        var bytes = await BoundedContent.ReadAsync(response.Content, maxBytes, cancellationToken)
            ?? throw new FederationUnreachableException(destination, $"{destination} answered more than {maxBytes} bytes");
        return TryParse(bytes);
    }

    /// <summary>An error answer, with its errcode and error when its (bounded) body is a JSON object.</summary>
    private async Task<FederationHttpException> ErrorAsync(string destination, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await BoundedContent.ReadAsync(response.Content, _options.MaxErrorBytes, cancellationToken);
        var json = bytes is null ? null : TryParse(bytes) as JsonObject;
        return new FederationHttpException(destination, (int)response.StatusCode, Text(json, "errcode"), Text(json, "error"), json);
    }

    private static JsonNode? TryParse(byte[] bytes)
    {
        try
        {
            return JsonInput.Parse(bytes, MaxAnswerDepth);
        }
        catch (CanonicalJsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonObject? json, string name) =>
        json?[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    // Connect-phase failures (DNS, TCP, refused address, TLS handshake) mean the request never left.
    private static bool IsConnectFailure(HttpRequestException e) =>
        e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError
        || e.InnerException is SocketException or BlockedAddressException or AuthenticationException;

    public void Dispose() => _http.Dispose();
}
