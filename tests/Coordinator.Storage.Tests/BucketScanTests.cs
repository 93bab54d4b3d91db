using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Coordinator.Testing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.Storage.Tests;

/// <summary>
/// After storing realistic certificate state, everything in the bucket — names and bodies — is read raw and searched
/// for anything that would reveal it: PEM armour, DER key or certificate bytes, domain names, grain ids.
/// </summary>
public sealed class BucketScanTests
{
    [Fact]
    public async Task NothingSecretOrIdentifyingIsVisibleInTheBucket()
    {
        await using var h = await StorageHarness.StartAsync(Backend.S3, TestKeys.Ring("k1", ("k1", TestKeys.New())));
        await InfraAssert.WithOutputAsync(async () =>
        {
            var domains = new[] { "shop.example-customer.test", "www.shop.example-customer.test", "api.another-tenant.test" };
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=" + domains[0], key, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            foreach (var d in domains)
            {
                san.AddDnsName(d);
            }

            request.CertificateExtensions.Add(san.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch.AddYears(55), DateTimeOffset.UnixEpoch.AddYears(56));
            var pkcs8 = key.ExportPkcs8PrivateKey();
            var sec1 = key.ExportECPrivateKey();
            var privateScalar = key.ExportParameters(includePrivateParameters: true).D!;
            var keyPem = key.ExportPkcs8PrivateKeyPem();
            var certPem = certificate.ExportCertificatePem();
            var certDer = certificate.RawData;

            var grainIds = domains.Select(d => GrainId.Create("domain", d)).ToList();
            foreach (var grain in grainIds)
            {
                var state = new GrainState<TestState>
                {
                    State = new TestState { Text = keyPem + "\n" + certPem, Blob = pkcs8, Names = [.. domains] },
                };
                await h.Grains.WriteStateAsync("certificate", grain, state);
                await h.Grains.WriteStateAsync("account", grain, new GrainState<TestState> { State = new TestState { Blob = sec1, Text = "mailto:admin@" + domains[2] } });
            }

            var objects = await h.RawObjectsAsync();
            Assert.Equal(1 + grainIds.Count * 2, objects.Count);

            var forbidden = new List<(string What, byte[] Bytes)>
            {
                ("PEM armour", Encoding.ASCII.GetBytes("-----BEGIN")),
                ("PEM label", Encoding.ASCII.GetBytes("PRIVATE KEY")),
                ("PKCS#8 DER prefix", pkcs8[..26]),
                ("SEC1 DER prefix", sec1[..7]),
                ("private scalar", privateScalar),
                ("certificate DER", certDer[..32]),
                ("certificate DER tail", certDer[^32..]),
                ("grain type", Encoding.ASCII.GetBytes("domain/")),
                ("TLD", Encoding.ASCII.GetBytes(".test")),
            };
            foreach (var d in domains)
            {
                forbidden.Add(($"domain {d}", Encoding.UTF8.GetBytes(d)));
                forbidden.Add(($"domain {d} (UTF-16)", Encoding.Unicode.GetBytes(d)));
            }

            foreach (var g in grainIds)
            {
                forbidden.Add(($"grain id {g}", Encoding.UTF8.GetBytes(g.ToString())));
            }

            foreach (var (name, data) in objects)
            {
                var nameBytes = Encoding.UTF8.GetBytes(name);
                foreach (var (what, bytes) in forbidden)
                {
                    Assert.False(nameBytes.AsSpan().IndexOf(bytes) >= 0, $"object name '{name}' reveals the {what}");
                    Assert.False(data.AsSpan().IndexOf(bytes) >= 0, $"object '{name}' reveals the {what} in its body");
                }
            }
        }, h.Processes);
    }
}
