using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Coordinator.Testing.Nodes;

/// <summary>
/// The real <c>openssl s_client</c>, for handshakes .NET's client will not make: SNI values that are not valid
/// host names, and ClientHellos split across TLS records (<c>-max_send_frag</c>).
/// </summary>
public static class OpenSslClient
{
    /// <summary>Handshakes and returns the server's leaf certificate, or null when the handshake failed.</summary>
    public static async Task<X509Certificate2?> HandshakeAsync(int port, string serverName, string? alpn = null, int? maxSendFragment = null)
    {
        var exe = InfraPaths.RequireExecutable("openssl", "apt-get install -y openssl");
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in new[] { "s_client", "-connect", $"127.0.0.1:{port}", "-servername", serverName, "-showcerts" })
        {
            psi.ArgumentList.Add(a);
        }

        if (alpn is not null)
        {
            psi.ArgumentList.Add("-alpn");
            psi.ArgumentList.Add(alpn);
        }

        if (maxSendFragment is { } f)
        {
            psi.ArgumentList.Add("-max_send_frag");
            psi.ArgumentList.Add(f.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var output = await p.StandardOutput.ReadToEndAsync(cts.Token);
        await p.WaitForExitAsync(cts.Token);
        var begin = output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        if (begin < 0)
        {
            return null;
        }

        var end = output.IndexOf("-----END CERTIFICATE-----", begin, StringComparison.Ordinal);
        return X509Certificate2.CreateFromPem(output.AsSpan(begin, end + "-----END CERTIFICATE-----".Length - begin));
    }

    /// <summary>An ALPN list long enough (with <paramref name="first"/> first) to push the ClientHello past 512 bytes.</summary>
    public static string PaddedAlpn(string first) =>
        string.Join(',', new[] { first }.Concat(Enumerable.Range(0, 60).Select(i => $"padding-protocol-{i:D2}")));
}
