using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Coordinator.Acme;
using Microsoft.Extensions.Logging;

namespace Coordinator.Grains;

/// <summary>
/// Per-silo cache of ACME clients, one per (issuer, account), sharing one HTTP handler per issuer (which
/// trusts the issuer's extra CA, if configured). ACME clients are thread-safe, so all domain grains on a
/// silo share them.
/// </summary>
internal sealed class AcmeClientProvider(ILoggerFactory loggers, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, HttpClient> http = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Issuer, string Account), Lazy<AcmeClient>> clients = new();

    /// <summary>Options every client uses; tests shorten the polling.</summary>
    public AcmeClientOptions ClientOptions { get; } = new();

    public AcmeClient GetClient(IssuerOptions issuer, AcmeAccountInfo account) =>
        clients.GetOrAdd((issuer.Name, account.AccountUrl), _ => new Lazy<AcmeClient>(() =>
            CreateClient(issuer, AcmeAccountKey.FromPkcs8Pem(account.KeyPem), new Uri(account.AccountUrl)))).Value;

    public AcmeClient CreateClient(IssuerOptions issuer, AcmeAccountKey key, Uri? accountUrl) =>
        new(HttpFor(issuer), issuer.DirectoryUrl!, key, accountUrl?.ToString(), ClientOptions, time, loggers.CreateLogger<AcmeClient>());

    public void Dispose()
    {
        foreach (var c in clients.Values.Where(c => c.IsValueCreated))
        {
            c.Value.Dispose();
        }

        foreach (var h in http.Values)
        {
            h.Dispose();
        }
    }

    private HttpClient HttpFor(IssuerOptions issuer) => http.GetOrAdd(issuer.Name, _ =>
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (issuer.TrustedCaCertificatePath is { } path)
        {
            var extra = new X509Certificate2Collection();
            extra.ImportFromPemFile(path);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        return true;
                    }

                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }

                    using var custom = new X509Chain();
                    custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    custom.ChainPolicy.CustomTrustStore.AddRange(extra);
                    custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    if (chain is not null)
                    {
                        foreach (var e in chain.ChainElements)
                        {
                            custom.ChainPolicy.ExtraStore.Add(e.Certificate);
                        }
                    }

                    return custom.Build(new X509Certificate2(certificate));
                },
            };
        }

        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
    });
}
