using Matrix.Homeserver.FederationApi.Auth;
using Matrix.Homeserver.Media.Federation;

namespace Matrix.Homeserver.FederationApi.Media;

/// <summary>The media feature's federation endpoints, authenticated with X-Matrix like every other federation endpoint.</summary>
public sealed class FederationMediaAuthenticator : IFederationRequestAuthenticator
{
    public async Task<string> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken) =>
        (await FederationRequester.BindAsync(request.HttpContext))!.Origin;
}
