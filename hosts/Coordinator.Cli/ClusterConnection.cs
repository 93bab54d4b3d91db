using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Coordinator.Cli;

/// <summary>Where the cluster is and how long to wait for it, from options, then environment, then defaults.</summary>
internal sealed record ClusterSettings(IReadOnlyList<string> Gateways, string ClusterId, string ServiceId, TimeSpan ConnectTimeout, TimeSpan ResponseTimeout)
{
    public const string DefaultGateway = "127.0.0.1:30000";
    public const string DefaultId = "coordinator";

    /// <summary>Parses <c>host:port</c> (or <c>[v6]:port</c>) gateways; a bad one is a usage error naming it.</summary>
    public static async Task<IPEndPoint[]> ResolveAsync(IReadOnlyList<string> gateways, CancellationToken cancellationToken)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var g in gateways)
        {
            var colon = g.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(g.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                throw new UsageException($"Invalid gateway '{g}': use host:port, for example --gateway 127.0.0.1:30000 (the nodes' Coordinator:Cluster:GatewayPort).");
            }

            var host = g[..colon].Trim('[', ']');
            if (IPAddress.TryParse(host, out var ip))
            {
                endpoints.Add(new IPEndPoint(ip, port));
                continue;
            }

            IPAddress[] addresses;
            try
            {
                addresses = await Dns.GetHostAddressesAsync(host, cancellationToken);
            }
            catch (SocketException e)
            {
                throw new UsageException($"Invalid gateway '{g}': the host name '{host}' does not resolve ({e.Message}).");
            }

            endpoints.AddRange(addresses.Select(a => new IPEndPoint(a, port)));
        }

        return endpoints.Distinct().ToArray();
    }
}

/// <summary>An Orleans grain client connected to the cluster's gateways; stop it by disposing.</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost host;

    private ClusterConnection(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects, retrying until <see cref="ClusterSettings.ConnectTimeout"/>; throws <see cref="ClusterUnreachableException"/> when no gateway answers.</summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterSettings settings, bool verbose, CancellationToken cancellationToken)
    {
        var endpoints = await ClusterSettings.ResolveAsync(settings.Gateways, cancellationToken);
        var deadline = DateTimeOffset.UtcNow + settings.ConnectTimeout;
        Exception? last = null;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        if (verbose)
        {
            builder.Logging.AddSimpleConsole().AddFilter(l => l >= LogLevel.Information);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(endpoints);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = settings.ResponseTimeout);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.UseConnectionRetryFilter(async (e, ct) =>
            {
                last = e;
                if (DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(500) >= deadline)
                {
                    return false;
                }

                await Task.Delay(500, ct);
                return true;
            });
        });

        var host = builder.Build();
        try
        {
            using var connectCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectCts.CancelAfter(settings.ConnectTimeout + TimeSpan.FromSeconds(1));
            await host.StartAsync(connectCts.Token);
            return new ClusterConnection(host);
        }
        catch (Exception e) when (e is not UsageException && !cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            var reason = last?.Message
                ?? (e is OperationCanceledException ? "no gateway completed the connection in time (are the nodes still starting, or overloaded? allow longer with --connect-timeout)" : e.Message);
            throw new ClusterUnreachableException(
                $"Cannot reach the Coordinator cluster at {string.Join(", ", settings.Gateways)} (cluster id '{settings.ClusterId}', service id '{settings.ServiceId}') " +
                $"within {settings.ConnectTimeout.TotalSeconds:0.#} s: {reason}\n" +
                "Is a node running? Point the tool at a node's gateway port with --gateway host:port (or COORDINATOR_GATEWAYS), " +
                "and match the nodes' Coordinator:Cluster:ClusterId and ServiceId with --cluster-id and --service-id.",
                e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await host.StopAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // Leaving anyway.
        }

        host.Dispose();
    }
}

/// <summary>No gateway answered: exit code 3.</summary>
internal sealed class ClusterUnreachableException : Exception
{
    public ClusterUnreachableException()
    {
    }

    public ClusterUnreachableException(string message)
        : base(message)
    {
    }

    public ClusterUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
