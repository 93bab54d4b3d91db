using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using Orleans.Storage;

namespace Coordinator.AspNetCore.Internal;

/// <summary>Unhealthy when a served certificate has expired, degraded when one has less than a tenth of its lifetime left.</summary>
internal sealed class CertificateExpiryHealthCheck(CertificateCache cache, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var expired = cache.Entries.Where(e => e.NotAfter <= now).Select(e => e.Domain).ToList();
        var near = cache.Entries.Where(e => e.NotAfter > now && e.NotAfter - now < (e.NotAfter - e.NotBefore) / 10).Select(e => e.Domain).ToList();
        var data = new Dictionary<string, object> { ["cached"] = cache.Count, ["expired"] = expired, ["nearExpiry"] = near };
        return Task.FromResult(expired.Count > 0 ? HealthCheckResult.Unhealthy($"{expired.Count} certificate(s) expired", data: data)
            : near.Count > 0 ? HealthCheckResult.Degraded($"{near.Count} certificate(s) near expiry", data: data)
            : HealthCheckResult.Healthy($"{cache.Count} certificate(s) cached", data));
    }
}

/// <summary>Healthy when this silo is an active member of the cluster.</summary>
internal sealed class ClusterHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var me = snapshot.GetSiloStatus(silo.SiloAddress);
        var active = snapshot.Members.Count(m => m.Value.Status == SiloStatus.Active);
        var data = new Dictionary<string, object> { ["status"] = me.ToString(), ["activeSilos"] = active };
        return Task.FromResult(me == SiloStatus.Active
            ? HealthCheckResult.Healthy($"joined; {active} active silo(s)", data)
            : HealthCheckResult.Unhealthy($"this silo is {me}", data: data));
    }
}

/// <summary>Healthy when the encrypted storage answers a read (of an object that need not exist).</summary>
internal sealed class StorageHealthCheck(IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var storage = Microsoft.Extensions.DependencyInjection.ServiceProviderKeyedServiceExtensions.GetRequiredKeyedService<IGrainStorage>(services, Grains.CoordinatorStorage.Name);
            var state = new GrainState<HealthProbeState>();
            await storage.ReadStateAsync("health", GrainId.Create("coordinator-health", "probe"), state);
            return HealthCheckResult.Healthy("storage readable");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return HealthCheckResult.Unhealthy("storage unreachable: " + e.GetType().Name);
        }
    }
}

/// <summary>The (never written) state type the storage health check reads.</summary>
[GenerateSerializer]
internal sealed class HealthProbeState
{
    [Id(0)] public int Unused { get; set; }
}
