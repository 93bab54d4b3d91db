namespace Coordinator.Acme;

/// <summary>The CA's directory (RFC 8555 §7.1.1, plus <c>renewalInfo</c> from RFC 9773).</summary>
/// <param name="NewNonce">The newNonce URL.</param>
/// <param name="NewAccount">The newAccount URL.</param>
/// <param name="NewOrder">The newOrder URL.</param>
/// <param name="RevokeCert">The revokeCert URL.</param>
/// <param name="KeyChange">The keyChange URL.</param>
/// <param name="RenewalInfo">The ARI base URL (RFC 9773), or null when the CA has no ARI.</param>
/// <param name="Meta">The directory's <c>meta</c> object.</param>
public sealed record AcmeDirectory(Uri NewNonce, Uri NewAccount, Uri NewOrder, Uri? RevokeCert, Uri? KeyChange, Uri? RenewalInfo, AcmeDirectoryMeta Meta);

/// <summary>The directory's <c>meta</c> object.</summary>
/// <param name="TermsOfService">The current terms of service URL, if any.</param>
/// <param name="Website">The CA's website, if any.</param>
/// <param name="CaaIdentities">The CA's CAA issuer domain names.</param>
/// <param name="ExternalAccountRequired">True when newAccount requires external account binding.</param>
/// <param name="Profiles">Certificate profiles the CA offers (name → description); empty when it offers none.</param>
public sealed record AcmeDirectoryMeta(Uri? TermsOfService, Uri? Website, IReadOnlyList<string> CaaIdentities, bool ExternalAccountRequired, IReadOnlyDictionary<string, string> Profiles);
