namespace Coordinator.Grains;

/// <summary>Names shared with the storage configuration.</summary>
public static class CoordinatorStorage
{
    /// <summary>The grain storage provider name every Coordinator grain persists through: register the encrypted provider under it.</summary>
    public const string Name = "coordinator";
}
