using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport;
using Matrix.Homeserver.ServerKeys;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>Hand-made federation requests between test servers: raw sends with any Authorization header, and correct X-Matrix headers.</summary>
public static class SignedRequests
{
    public static SigningKey SigningKeyOf(TestHomeserver server) => server.Services.GetRequiredService<ServerSigningKey>().Key;

    /// <summary>Sends a request to a server's federation listener with an X-Matrix header built by the caller.</summary>
    public static async Task<MatrixResponse> SendRawAsync(this TestFederation servers, string to, HttpMethod method, string uri, JsonObject? body, string? authorization)
    {
        using var http = servers.FederationHttp(to);
        using var request = new HttpRequestMessage(method, uri);
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new MatrixResponse(response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null, response);
    }

    /// <summary>A correct X-Matrix header from <paramref name="origin"/>, optionally with another key or destination.</summary>
    public static string Sign(this TestFederation servers, string origin, string destination, HttpMethod method, string uri, JsonObject? body, SigningKey? key = null) =>
        RequestSigning.Sign(method.Method, uri, origin, destination, body, key ?? SigningKeyOf(servers[origin])).ToHeaderValue();

    /// <summary>A request signed by <paramref name="origin"/> (PUT/POST with a body, GET without).</summary>
    public static Task<MatrixResponse> SendSignedAsync(this TestFederation servers, string origin, string to, HttpMethod method, string uri, JsonObject? body = null) =>
        servers.SendRawAsync(to, method, uri, body, servers.Sign(origin, to, method, uri, body));

    /// <summary>
    /// PUT /send of a hand-made transaction from <paramref name="origin"/>. The receiver takes one transaction per origin at
    /// a time (429 meanwhile, as Synapse), and the origin's own queue may have one in flight: then it is sent again (bounded).
    /// </summary>
    public static async Task<MatrixResponse> SendTransactionAsync(this TestFederation servers, string origin, string to, JsonObject transaction)
    {
        var uri = $"/_matrix/federation/v1/send/{Guid.NewGuid():N}";
        for (var attempt = 0; ; attempt++)
        {
            var response = await servers.SendSignedAsync(origin, to, HttpMethod.Put, uri, transaction);
            if (response.Status != System.Net.HttpStatusCode.TooManyRequests || attempt >= 100) return response;
            await Task.Delay(50);
        }
    }
}
