using System.Security.Cryptography;
using System.Text;
using Sodium;

namespace Coordinator.Storage.Internal;

/// <summary>
/// Object names. Grain state lives at <c>state-&lt;hex BLAKE2b-256(key = naming key, "state" 0 stateName 0 grainId)&gt;</c>,
/// so neither grain ids nor domain names are visible in the store. The 32-byte naming key is random, made once per
/// store and kept in the store itself, sealed like everything else (object <see cref="NamingKey"/>), so it survives
/// key rotation and needs no extra setting.
/// </summary>
internal static class ObjectNames
{
    public const string NamingKey = "naming-key";
    public const string StatePrefix = "state-";
    public const string ProbePrefix = "probe-";

    public static string ForState(byte[] namingKey, string stateName, string grainId)
    {
        var message = Encoding.UTF8.GetBytes($"state\0{stateName}\0{grainId}");
        return StatePrefix + Convert.ToHexStringLower(GenericHash.Hash(message, namingKey, 32));
    }

    /// <summary>Whether the object is one of ours that key rotation re-seals (the naming key and grain state).</summary>
    public static bool IsRotatable(string name) =>
        name == NamingKey || (name.StartsWith(StatePrefix, StringComparison.Ordinal) && name.Length == StatePrefix.Length + 64);

    public static string NewProbe() => ProbePrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
