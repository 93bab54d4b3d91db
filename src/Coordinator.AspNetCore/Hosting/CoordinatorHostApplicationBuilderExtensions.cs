using System.Net;
using Coordinator.AspNetCore;
using Coordinator.AspNetCore.Internal;
using Coordinator.Grains;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Adds Coordinator to an ASP.NET Core application: a cohosted Orleans silo and the certificate services.</summary>
public static class CoordinatorHostApplicationBuilderExtensions
{
    /// <summary>
    /// Adds a cohosted Orleans silo with Coordinator's grains and encrypted storage, the node-local SNI cache kept
    /// current by the grains, the HTTP-01 responder (in front of the app's pipeline), on-demand issuance and health
    /// checks (<c>coordinator-certificates</c>, <c>coordinator-cluster</c>, <c>coordinator-storage</c>). Everything is
    /// configured from the <c>Coordinator</c> section (see README) and validated at start-up; an invalid setting
    /// stops the application with a message naming it. Then call <c>UseCoordinatorHttps()</c> on a Kestrel endpoint.
    /// </summary>
    /// <param name="builder">The application builder.</param>
    /// <param name="configureSilo">Further silo configuration, for example a membership provider when <c>Coordinator:Cluster:Mode</c> is External.</param>
    public static IHostApplicationBuilder AddCoordinator(this IHostApplicationBuilder builder, Action<ISiloBuilder>? configureSilo = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var section = builder.Configuration.GetSection(CoordinatorOptions.SectionName);
        var hosting = new CoordinatorHostingOptions();
        section.Bind(hosting);
        hosting.Validate();
        builder.Services.AddOptions<CoordinatorHostingOptions>().Bind(section);

        builder.UseOrleans(silo =>
        {
            var cluster = hosting.Cluster;
            if (cluster.Mode == "Localhost")
            {
                silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, new IPEndPoint(IPAddress.Loopback, cluster.PrimarySiloPort), cluster.ServiceId, cluster.ClusterId);
            }
            else
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = cluster.ClusterId;
                    o.ServiceId = cluster.ServiceId;
                });
                silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort);
            }

            var storage = section.GetSection("Storage");
            if (hosting.Storage.Kind == "S3")
            {
                silo.AddEncryptedS3GrainStorage(CoordinatorStorage.Name, o => o.Bind(storage.GetSection("S3")).Configure(s => storage.GetSection("KeyRing").Bind(s.KeyRing)));
            }
            else
            {
                silo.AddEncryptedDirectoryGrainStorage(CoordinatorStorage.Name, o =>
                {
                    o.Directory = Path.GetFullPath(hosting.Storage.Directory);
                    storage.GetSection("KeyRing").Bind(o.KeyRing);
                });
            }

            silo.AddCoordinatorGrains(o => section.Bind(o));
            configureSilo?.Invoke(silo);
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CertificateCache>();
        builder.Services.AddSingleton<FallbackCertificate>();
        builder.Services.AddSingleton<OnDemandPolicy>();
        builder.Services.AddSingleton<HandshakeSelector>();
        builder.Services.AddHostedService<CertificateCacheService>();
        builder.Services.AddSingleton<IStartupFilter, Http01StartupFilter>();
        builder.Services.AddHealthChecks()
            .AddCheck<CertificateExpiryHealthCheck>("coordinator-certificates")
            .AddCheck<ClusterHealthCheck>("coordinator-cluster")
            .AddCheck<StorageHealthCheck>("coordinator-storage");
        return builder;
    }

    /// <summary>
    /// Lets the operator decide, per name, whether a name without a certificate may be issued on demand (in
    /// addition to <c>Coordinator:OnDemand:AllowedNames</c>). Issuance stays rate-limited.
    /// </summary>
    public static IServiceCollection AddCoordinatorOnDemandDecision(this IServiceCollection services, Func<string, ValueTask<bool>> decide)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(decide);
        return services;
    }
}
