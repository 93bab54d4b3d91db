using System.Text.Json;

namespace Coordinator.Acme;

/// <summary>Accounts (RFC 8555 §7.3): create, find, update contacts, key rollover, deactivation.</summary>
public sealed partial class AcmeClient
{
    /// <summary>
    /// Creates the account for this key, or returns the existing one when the key is already registered
    /// (the CA answers 200 instead of 201). Sets <see cref="AccountUrl"/>.
    /// </summary>
    /// <param name="contacts">Contact URLs, e.g. <c>mailto:ops@example.com</c>; may be empty.</param>
    /// <param name="termsOfServiceAgreed">Whether the operator agreed to <see cref="AcmeDirectoryMeta.TermsOfService"/>.</param>
    /// <param name="eab">External account binding, when the CA requires it (<see cref="AcmeDirectoryMeta.ExternalAccountRequired"/>).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<AcmeAccount> CreateAccountAsync(IEnumerable<string> contacts, bool termsOfServiceAgreed, AcmeExternalAccountBinding? eab = null, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        var contactList = ValidateContacts(contacts);
        var dir = await transport.GetDirectoryAsync(ct).ConfigureAwait(false);
        var key = accountKey;
        var eabJws = eab is null ? null : Jws.ExternalAccountBinding(eab, key.Signer, dir.NewAccount);
        var payload = JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            WriteContacts(w, contactList);
            w.WriteBoolean("termsOfServiceAgreed", termsOfServiceAgreed);
            if (eabJws is not null)
            {
                Jws.WriteRaw(w, "externalAccountBinding", eabJws);
            }

            w.WriteEndObject();
        });
        var response = await transport.PostAsync(dir.NewAccount, key.Signer, null, payload, ct).ConfigureAwait(false);
        return AccountFrom(response, "newAccount");
    }

    /// <summary>The account registered for this key (<c>onlyReturnExisting</c>), or null when there is none. Sets <see cref="AccountUrl"/>.</summary>
    public async Task<AcmeAccount?> FindAccountAsync(CancellationToken ct = default)
    {
        ThrowIfDisposed();
        var dir = await transport.GetDirectoryAsync(ct).ConfigureAwait(false);
        var payload = JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("onlyReturnExisting", true);
            w.WriteEndObject();
        });
        try
        {
            var response = await transport.PostAsync(dir.NewAccount, accountKey.Signer, null, payload, ct).ConfigureAwait(false);
            return AccountFrom(response, "newAccount (onlyReturnExisting)");
        }
        catch (AcmeProblemException e) when (e.Problem.Type == AcmeProblemTypes.AccountDoesNotExist)
        {
            return null;
        }
    }

    /// <summary>Replaces the account's contact URLs (an empty list removes them).</summary>
    public async Task<AcmeAccount> UpdateContactsAsync(IEnumerable<string> contacts, CancellationToken ct = default)
    {
        var contactList = ValidateContacts(contacts);
        var url = await RequireAccountUrlAsync(ct).ConfigureAwait(false);
        var response = await PostAsKidAsync(url, JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            WriteContacts(w, contactList);
            w.WriteEndObject();
        }), ct).ConfigureAwait(false);
        using var json = response.Json();
        return AcmeWire.Account(json.RootElement, url);
    }

    /// <summary>
    /// Replaces the account key with <paramref name="newKey"/> (RFC 8555 §7.3.5). Afterwards this client signs with the
    /// new key; persist it (and keep the old one until the new one is stored). Requests already in flight with the
    /// old key may fail.
    /// </summary>
    public async Task RolloverKeyAsync(AcmeAccountKey newKey, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(newKey);
        ThrowIfDisposed();
        if (newKey.Thumbprint == accountKey.Thumbprint)
        {
            throw new ArgumentException("newKey is the key already in use.", nameof(newKey));
        }

        var dir = await transport.GetDirectoryAsync(ct).ConfigureAwait(false);
        var keyChange = dir.KeyChange ?? throw new NotSupportedException($"the CA's directory {dir.NewAccount} has no keyChange URL.");
        var url = await RequireAccountUrlAsync(ct).ConfigureAwait(false);
        var oldKey = accountKey;
        var inner = Jws.Sign(newKey.Signer, keyChange, nonce: null, kid: null, JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("account", url.AbsoluteUri);
            w.WritePropertyName("oldKey");
            oldKey.Signer.WriteJwk(w);
            w.WriteEndObject();
        }));
        await transport.PostAsync(keyChange, oldKey.Signer, url, inner, ct).ConfigureAwait(false);
        accountKey = newKey;
        AcmeLog.KeyRolledOver(logger, url);
    }

    /// <summary>Deactivates the account (RFC 8555 §7.3.6). Irreversible: the CA refuses every later request from it.</summary>
    public async Task<AcmeAccount> DeactivateAccountAsync(CancellationToken ct = default)
    {
        var url = await RequireAccountUrlAsync(ct).ConfigureAwait(false);
        var response = await PostAsKidAsync(url, JsonBytes.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("status", "deactivated");
            w.WriteEndObject();
        }), ct).ConfigureAwait(false);
        using var json = response.Json();
        return AcmeWire.Account(json.RootElement, url);
    }

    private static List<string> ValidateContacts(IEnumerable<string> contacts)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        var list = contacts.ToList();
        foreach (var c in list)
        {
            if (string.IsNullOrWhiteSpace(c) || !Uri.TryCreate(c, UriKind.Absolute, out _))
            {
                throw new ArgumentException($"contact '{c}' is not a URL (e.g. 'mailto:ops@example.com').", nameof(contacts));
            }
        }

        return list;
    }

    private static void WriteContacts(Utf8JsonWriter w, List<string> contacts)
    {
        w.WriteStartArray("contact");
        foreach (var c in contacts)
        {
            w.WriteStringValue(c);
        }

        w.WriteEndArray();
    }

    private AcmeAccount AccountFrom(AcmeResponse response, string what)
    {
        if (response.Status is not (200 or 201))
        {
            throw new AcmeException($"{what} {response.Url} answered HTTP {response.Status}, expected 200 or 201.");
        }

        var url = response.Location ?? throw new AcmeException($"{what} {response.Url} answered without a Location header (the account URL).");
        using var json = response.Json();
        var account = AcmeWire.Account(json.RootElement, url);
        accountUrl = url;
        AcmeLog.Account(logger, url, account.Status);
        return account;
    }
}
