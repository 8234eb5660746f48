using System.Diagnostics.CodeAnalysis;
using System.Text;
using Matrix.Crypto;
using Matrix.Federation.Identifiers;

namespace Matrix.Federation.Transport;

/// <summary>The parameters of an <c>Authorization: X-Matrix ...</c> header (server-server API "Request Authentication").</summary>
public sealed record XMatrixAuthorization(string Origin, string? Destination, SigningKeyId Key, string Signature)
{
    public const string Scheme = "X-Matrix";

    /// <summary>
    /// The header value as the spec asks senders to write it for old servers: one space after the scheme,
    /// lower-case names, quoted values, no spaces around commas.
    /// </summary>
    public string ToHeaderValue()
    {
        var text = new StringBuilder(Scheme).Append(' ');
        Append(text, "origin", Origin).Append(',');
        if (Destination is not null) Append(text, "destination", Destination).Append(',');
        Append(text, "key", Key.ToString()).Append(',');
        return Append(text, "sig", Signature).ToString();
    }

    public override string ToString() => ToHeaderValue();

    /// <summary>
    /// Parses a header value per RFC 9110 section 11.4 as the spec describes it: the scheme (case-insensitive), one
    /// or more spaces, then name=value pairs split by commas with optional spaces or tabs around them. Names are
    /// case-insensitive; values are tokens or quoted strings with backslash escapes; unquoted values may contain
    /// ':' (old servers send them). Unknown parameters are ignored. origin, key and sig are required.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? header, [NotNullWhen(true)] out XMatrixAuthorization? authorization, out XMatrixError error)
    {
        authorization = null;
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == Scheme.Length || header[Scheme.Length] != ' ')
        {
            error = XMatrixError.NotXMatrix;
            return false;
        }

        error = XMatrixParameters.Parse(header.AsSpan(Scheme.Length).TrimStart(' '), out var parameters);
        if (error != XMatrixError.None) return false;

        var origin = parameters.GetValueOrDefault("origin");
        var key = parameters.GetValueOrDefault("key");
        var sig = parameters.GetValueOrDefault("sig");
        var destination = parameters.GetValueOrDefault("destination");
        SigningKeyId keyId = default;
        error = (origin, key, sig) switch
        {
            (null, _, _) => XMatrixError.MissingOrigin,
            (_, null, _) => XMatrixError.MissingKey,
            (_, _, null) => XMatrixError.MissingSignature,
            _ when !ServerName.IsValid(origin) || (destination is not null && !ServerName.IsValid(destination)) => XMatrixError.InvalidServerName,
            _ when !SigningKeyId.TryParse(key, out keyId) => XMatrixError.InvalidKeyId,
            _ => XMatrixError.None,
        };
        if (error != XMatrixError.None) return false;

        authorization = new XMatrixAuthorization(origin!, destination, keyId, sig!);
        return true;
    }

    private static StringBuilder Append(StringBuilder text, string name, string value)
    {
        text.Append(name).Append("=\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\') text.Append('\\');
            text.Append(c);
        }

        return text.Append('"');
    }
}
