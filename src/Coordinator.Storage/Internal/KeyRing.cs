using System.Security.Cryptography;

namespace Coordinator.Storage.Internal;

/// <summary>The decoded master keys of one provider. Built once from validated <see cref="KeyRingOptions"/>.</summary>
internal sealed class KeyRing
{
    private readonly Dictionary<string, byte[]> keys;

    private KeyRing(string primaryKeyId, Dictionary<string, byte[]> keys)
    {
        PrimaryKeyId = primaryKeyId;
        this.keys = keys;
    }

    public string PrimaryKeyId { get; }

    public byte[] PrimaryKey => keys[PrimaryKeyId];

    public IEnumerable<string> KeyIds => keys.Keys;

    public bool TryGetKey(string keyId, out byte[] key) => keys.TryGetValue(keyId, out key!);

    /// <summary>Decodes the options; throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public static KeyRing Create(KeyRingOptions options, string settingPrefix)
    {
        var errors = Validate(options, settingPrefix);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors));
        }

        var keys = options.Keys.ToDictionary(kv => kv.Key, kv => Convert.FromBase64String(kv.Value.Trim()), StringComparer.Ordinal);
        return new KeyRing(options.PrimaryKeyId!, keys);
    }

    /// <summary>Every problem with the key ring settings, each naming the setting (never the key value).</summary>
    public static List<string> Validate(KeyRingOptions? options, string settingPrefix)
    {
        var errors = new List<string>();
        if (options is null)
        {
            errors.Add($"{settingPrefix} is missing: configure at least one key and {settingPrefix}:PrimaryKeyId.");
            return errors;
        }

        if (options.Keys is null || options.Keys.Count == 0)
        {
            errors.Add($"{settingPrefix}:Keys is empty: add a key, for example {settingPrefix}:Keys:k1 = <32 random bytes, base64> (EncryptionKey.GenerateBase64()).");
        }
        else
        {
            foreach (var (id, value) in options.Keys)
            {
                if (!Envelope.IsValidKeyId(id))
                {
                    errors.Add($"{settingPrefix}:Keys has an invalid key id '{Sanitize(id)}': use 1 to {Envelope.MaxKeyIdLength} characters of A-Z a-z 0-9 . _ -.");
                    continue;
                }

                var setting = $"{settingPrefix}:Keys:{id}";
                if (string.IsNullOrWhiteSpace(value))
                {
                    errors.Add($"{setting} is empty: it must be a base64-encoded {EncryptionKey.Length}-byte key.");
                    continue;
                }

                byte[] bytes;
                try
                {
                    bytes = Convert.FromBase64String(value.Trim());
                }
                catch (FormatException)
                {
                    errors.Add($"{setting} is not valid base64: it must be a base64-encoded {EncryptionKey.Length}-byte key.");
                    continue;
                }

                if (bytes.Length != EncryptionKey.Length)
                {
                    errors.Add($"{setting} decodes to {bytes.Length} bytes: it must be exactly {EncryptionKey.Length} bytes (EncryptionKey.GenerateBase64() makes one).");
                }

                CryptographicOperations.ZeroMemory(bytes);
            }
        }

        if (string.IsNullOrWhiteSpace(options.PrimaryKeyId))
        {
            errors.Add($"{settingPrefix}:PrimaryKeyId is not set: name the key in {settingPrefix}:Keys that seals new writes.");
        }
        else if (options.Keys is null || !options.Keys.ContainsKey(options.PrimaryKeyId))
        {
            errors.Add($"{settingPrefix}:PrimaryKeyId is '{Sanitize(options.PrimaryKeyId)}', which is not a key id in {settingPrefix}:Keys.");
        }

        return errors;
    }

    private static string Sanitize(string id) => id.Length > 64 ? id[..64] + "..." : id;
}
