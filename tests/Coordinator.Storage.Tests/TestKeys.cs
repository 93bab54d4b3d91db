namespace Coordinator.Storage.Tests;

/// <summary>Key rings for tests; every call of <see cref="New"/> makes a fresh random key.</summary>
internal static class TestKeys
{
    public static string New() => EncryptionKey.GenerateBase64();

    public static KeyRingOptions Ring(string primary, params (string Id, string Key)[] keys)
    {
        var ring = new KeyRingOptions { PrimaryKeyId = primary };
        foreach (var (id, key) in keys)
        {
            ring.Keys[id] = key;
        }

        return ring;
    }
}
