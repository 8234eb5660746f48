using System.Text.RegularExpressions;

namespace Matrix.Homeserver.Operations;

/// <summary>Takes secrets out of URLs before they are logged: the values of query parameters that carry credentials.</summary>
public static partial class LogRedaction
{
    public const string Redacted = "<redacted>";

    /// <summary>
    /// Redacts the values of access_token (clients may send their token in the query string), refresh_token,
    /// loginToken (SSO), token (registration tokens) and client_secret (3PID validation).
    /// </summary>
    public static string RedactQuery(string pathAndQuery) =>
        pathAndQuery.Contains('?', StringComparison.Ordinal) ? SecretParameter().Replace(pathAndQuery, "$1" + Redacted) : pathAndQuery;

    // A parameter name is matched whole (after ? or &), in any case and percent-encoding of its letters is not expected.
    [GeneratedRegex("([?&](?:access_token|refresh_token|loginToken|token|client_secret)=)[^&#]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretParameter();
}
