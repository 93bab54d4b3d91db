using Coordinator.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Orleans.Hosting;

/// <summary>Adds Coordinator's grains and their services to a silo.</summary>
public static class CoordinatorSiloBuilderExtensions
{
    /// <summary>
    /// Adds the domain grains, the registry and its maintenance loop, and the ACME client cache. The grains
    /// persist through the grain storage named <see cref="CoordinatorStorage.Name"/>; register the encrypted
    /// provider under that name. Options are validated at start-up: an invalid setting stops the silo with
    /// a message naming it.
    /// </summary>
    public static ISiloBuilder AddCoordinatorGrains(this ISiloBuilder builder, Action<CoordinatorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<CoordinatorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(o =>
        {
            o.Validate();
            return true;
        });
        options.ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<AcmeClientProvider>();
        builder.Services.AddSingleton<RegistryMaintenance>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RegistryMaintenance>());
        return builder;
    }
}
