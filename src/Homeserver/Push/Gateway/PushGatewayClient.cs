using Matrix.Homeserver.Http;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Push.Gateway;

/// <summary>
/// Posts notifications to push gateways (spec: push gateway API, POST /_matrix/push/v1/notify), safely:
/// the host is resolved and each address checked against <see cref="PushAddressPolicy"/> at connect
/// time, on the address actually connected to (so neither a DNS answer that changes after a check, nor
/// IPv4-mapped IPv6, reaches a private address); no redirects, no proxies, short timeouts, a small
/// response buffer.
/// </summary>
public sealed class PushGatewayClient : IDisposable
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    public const int MaxResponseBytes = 64 * 1024;

    private readonly HttpClient _http;

    public PushGatewayClient(HomeserverOptions options)
    {
        var allowPrivate = options.Push.AllowPrivateAddresses;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            ConnectTimeout = ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = 16,
            MaxResponseHeadersLength = 16,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowPrivate, cancellationToken),
        };
        _http = new HttpClient(handler) { Timeout = RequestTimeout, MaxResponseContentBufferSize = MaxResponseBytes };
    }

    /// <summary>
    /// Sends one notification. Returns the pushkeys the gateway rejected (usually none), or null when the
    /// gateway could not be reached or answered with an error: then the caller backs off and retries.
    /// </summary>
    public async Task<IReadOnlyList<string>?> NotifyAsync(Uri url, JsonObject body, CancellationToken cancellationToken)
    {
        try
        {
            using var content = OutboundJson.Content(body);
            using var response = await _http.PostAsync(url, content, cancellationToken);
            if (!response.IsSuccessStatusCode) return null;
            var answer = await response.Content.ReadAsStringAsync(cancellationToken);
            return Rejected(answer);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's timeout.
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The "rejected" pushkeys of a gateway's answer; a 2xx answer that says nothing rejects nothing.</summary>
    private static List<string> Rejected(string answer)
    {
        try
        {
            return JsonNode.Parse(answer)?["rejected"] is JsonArray rejected
                ? [.. rejected.OfType<JsonValue>().Select(v => v.TryGetValue(out string? key) ? key : null).OfType<string>()]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivate, CancellationToken cancellationToken)
    {
        var host = endpoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowPrivate ? addresses : [.. addresses.Where(PushAddressPolicy.IsPublic)];
        if (allowed.Length == 0) throw new HttpRequestException($"refused to connect to {host}: not a public address");

        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
