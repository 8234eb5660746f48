using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Media.Federation;

/// <summary>
/// Checks the X-Matrix Authorization of an inbound federation request and names the requesting
/// server. The federation API (which owns server key fetching) provides the implementation; until it
/// is registered, <see cref="UnavailableFederationRequestAuthenticator"/> refuses every request.
/// </summary>
public interface IFederationRequestAuthenticator
{
    /// <returns>The verified origin server name.</returns>
    /// <exception cref="MatrixException">401 M_UNAUTHORIZED when the request is not signed by its claimed origin.</exception>
    Task<string> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken);
}

/// <summary>No server keys can be fetched yet, so no signature can be verified: every request is refused.</summary>
public sealed class UnavailableFederationRequestAuthenticator : IFederationRequestAuthenticator
{
    public Task<string> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        throw new MatrixException(401, ErrorCodes.Unauthorized, "Federation request authentication is not available");
}
