using System.Text.Json.Nodes;
using Matrix.Federation.Events;
using Matrix.Federation.Transport;
using Matrix.Federation.Transport.Security;
using Matrix.Homeserver.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Matrix.Homeserver.FederationApi.Auth;

/// <summary>
/// Checks an inbound request's X-Matrix header (server-server API "Request Authentication"): the origin is not
/// denied, the destination (when given) is us, and the origin signed method, request target, origin,
/// destination and body with a key of its that is valid now.
/// </summary>
public sealed class FederationAuthenticator(
    IServerKeyLookup keys, FederationDomainPolicy domains, ServerContactSignal contacts, Configuration.HomeserverOptions options, TimeProvider time)
{

    public async Task<FederationRequester> AuthenticateAsync(HttpContext context)
    {
        var request = context.Request;
        // One X-Matrix header is what servers send; further ones are ignored rather than merged into one value.
        var header = request.Headers.Authorization.FirstOrDefault();
        if (!XMatrixAuthorization.TryParse(header, out var auth, out var parseError))
        {
            throw parseError == XMatrixError.NotXMatrix
                ? Unauthorized("Missing X-Matrix Authorization header")
                : new MatrixException(400, ErrorCodes.Unauthorized, $"Malformed Authorization header: {parseError}");
        }

        if (!domains.IsAllowed(auth.Origin)) throw MatrixException.Forbidden("Federation with this server is not allowed");

        var content = await ReadContentAsync(request);
        // The request target exactly as received: what the origin signed.
        var uri = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;
        var result = await RequestSigning.VerifyAsync(
            header, request.Method, uri, options.ServerName, content, keys, time.GetUtcNow().ToUnixTimeMilliseconds(), context.RequestAborted);
        if (result.Error == XMatrixError.BodyNotCanonical)
        {
            throw new MatrixException(400, ErrorCodes.BadJson, "The body is not canonical JSON: it has a number that is not an integer");
        }

        if (!result.IsValid)
        {
            throw Unauthorized(result.Error switch
            {
                XMatrixError.DestinationMismatch => "Request is not for this server",
                XMatrixError.UnknownKey => "Unknown or expired signing key",
                _ => "Invalid signature",
            });
        }

        contacts.Report(auth.Origin);
        return new FederationRequester(auth.Origin, content);
    }

    /// <summary>The JSON body of a PUT or POST, left readable again for the endpoint.</summary>
    private static async Task<JsonObject?> ReadContentAsync(HttpRequest request)
    {
        if (!HttpMethods.IsPut(request.Method) && !HttpMethods.IsPost(request.Method)) return null;
        var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        buffer.Position = 0;
        request.Body = buffer;
        request.HttpContext.Response.RegisterForDispose(buffer);

        return JsonBody.ParseObject(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static MatrixException Unauthorized(string message) => new(401, ErrorCodes.Unauthorized, message);
}
