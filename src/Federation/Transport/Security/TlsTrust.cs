using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Matrix.Federation.Transport.Security;

/// <summary>
/// Certificate checks for outbound federation: the operating system's trust store, plus optional extra root
/// CAs (TrustedCaPath, for tests and private deployments). The name must always match: an extra CA only
/// helps a chain that failed for want of a trusted root.
/// </summary>
public static class TlsTrust
{
    public static RemoteCertificateValidationCallback Create(X509Certificate2Collection? extraRoots) =>
        (_, certificate, chain, errors) =>
        {
            if (errors == SslPolicyErrors.None) return true;
            if (extraRoots is not { Count: > 0 } || errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null) return false;

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(extraRoots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }

            using var leaf = new X509Certificate2(certificate);
            return custom.Build(leaf);
        };

    /// <summary>Every certificate of a PEM file.</summary>
    public static X509Certificate2Collection LoadPem(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }
}
