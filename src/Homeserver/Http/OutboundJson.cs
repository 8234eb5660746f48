using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Matrix.Homeserver.Http;

/// <summary>JSON bodies this server sends (push gateways, application services).</summary>
public static class OutboundJson
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    /// <summary>
    /// UTF-8 JSON typed plain <c>application/json</c>, as Synapse sends it: JSON has no charset parameter (RFC 8259), and
    /// receivers that compare the type exactly (SyTest's push gateway and application service among them) refuse one.
    /// </summary>
    public static HttpContent Content(JsonNode body) => new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body.ToJsonString()))
    {
        Headers = { ContentType = JsonType },
    };
}
