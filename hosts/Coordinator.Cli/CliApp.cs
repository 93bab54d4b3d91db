using System.CommandLine;
using System.CommandLine.Help;
using System.Globalization;
using System.Diagnostics.CodeAnalysis;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Spectre.Console;

namespace Coordinator.Cli;

/// <summary>The command tree and the rules every command shares: options, output, exit codes, error messages.</summary>
internal static class CliApp
{
    public static readonly Option<string[]> Gateway = new("--gateway", "-g")
    {
        Description = $"A node's Orleans gateway as host:port; repeat for several. Default: $COORDINATOR_GATEWAYS (comma-separated) or {ClusterSettings.DefaultGateway}.",
        Recursive = true,
        Arity = ArgumentArity.OneOrMore,
    };

    public static readonly Option<string?> ClusterId = new("--cluster-id")
    {
        Description = $"The nodes' Coordinator:Cluster:ClusterId. Default: $COORDINATOR_CLUSTER_ID or '{ClusterSettings.DefaultId}'.",
        Recursive = true,
    };

    public static readonly Option<string?> ServiceId = new("--service-id")
    {
        Description = $"The nodes' Coordinator:Cluster:ServiceId. Default: $COORDINATOR_SERVICE_ID or '{ClusterSettings.DefaultId}'.",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Write the result as JSON to stdout (stable camelCase property names) instead of a table.",
        Recursive = true,
    };

    public static readonly Option<double> ConnectTimeout = new("--connect-timeout")
    {
        Description = "Seconds to keep trying to reach a gateway before giving up with exit code 3. Default: 10.",
        Recursive = true,
        DefaultValueFactory = _ => 10,
    };

    public static readonly Option<double> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for one cluster call (an ACME order, a key rotation). Default: 300.",
        Recursive = true,
        DefaultValueFactory = _ => 300,
    };

    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Log the Orleans client's messages to stderr.",
        Recursive = true,
    };

    public static Command Build()
    {
        // A named command rather than RootCommand, whose name would be the assembly's (Coordinator.Cli) in help.
        var root = new Command(
            "coordinator",
            "coordinator: administer a Coordinator cluster (automatic HTTPS for .NET web farms) through a node's Orleans gateway.\n" + ExitCodes.Help)
        {
            new HelpOption(),
            new VersionOption(),
        };
        foreach (var o in new Option[] { Gateway, ClusterId, ServiceId, Json, ConnectTimeout, Timeout, Verbose })
        {
            root.Add(o);
        }

        root.Add(DomainCommands.Build());
        root.Add(CertificateCommands.Status());
        root.Add(CertificateCommands.Renew());
        root.Add(CertificateCommands.Revoke());
        root.Add(KeyCommands.Build());
        root.Add(StorageCommands.Build());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = Build();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var output = new Output(json: false);
            foreach (var e in parsed.Errors)
            {
                output.Error(e.Message);
            }

            output.Err.MarkupLine("Run [bold]coordinator --help[/] (or [bold]coordinator <command> --help[/]) for the commands and options.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Runs a command body that needs no cluster, mapping failures to exit codes.</summary>
    public static async Task<int> RunLocalAsync(ParseResult parse, Func<Output, Task<int>> body)
    {
        var output = new Output(parse.GetValue(Json));
        try
        {
            return await body(output);
        }
        catch (UsageException e)
        {
            output.Error(e.Message);
            return ExitCodes.Usage;
        }
    }

    /// <summary>Validates the input first (a usage error sends nothing), then connects and runs the body.</summary>
    [SuppressMessage("Design", "CA1068", Justification = "The command body lambda reads best last.")]
    public static Task<int> RunAsync<T>(ParseResult parse, CancellationToken cancellationToken, Func<T> validate, Func<IClusterClient, Output, T, Task<int>> body) =>
        RunLocalAsync(parse, output =>
        {
            var input = validate();
            return RunAsync(parse, cancellationToken, (client, o) => body(client, o, input));
        });

    /// <summary>Connects to the cluster, runs the body and maps failures to exit codes with messages that say what to do.</summary>
    [SuppressMessage("Design", "CA1068", Justification = "The command body lambda reads best last.")]
    public static Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken, Func<IClusterClient, Output, Task<int>> body) =>
        RunLocalAsync(parse, async output =>
        {
            var settings = Settings(parse);
            try
            {
                await using var connection = await ClusterConnection.ConnectAsync(settings, parse.GetValue(Verbose), cancellationToken);
                return await body(connection.Client, output);
            }
            catch (ClusterUnreachableException e)
            {
                output.Error(e.Message);
                return ExitCodes.Unreachable;
            }
            catch (Exception e) when (e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException)
            {
                output.Error($"The cluster stopped answering: {e.Message}\nIs a node running? Try another --gateway.");
                return ExitCodes.Unreachable;
            }
            catch (TimeoutException e)
            {
                output.Error($"The cluster did not answer within {settings.ResponseTimeout.TotalSeconds:0} s: {e.Message}\n" +
                    "The operation may still complete on the cluster; check with 'coordinator status', or allow longer with --timeout.");
                return ExitCodes.Failed;
            }
            catch (Exception e) when (e is not UsageException and not OperationCanceledException)
            {
                output.Error(e.Message);
                return ExitCodes.Failed;
            }
        });

    /// <summary>Validates and normalizes a domain name before anything is sent; an invalid one is a usage error with DomainName's message.</summary>
    public static string Domain(string name) =>
        DomainName.TryNormalize(name, out var normalized, out var error) ? normalized : throw new UsageException(error);

    private static ClusterSettings Settings(ParseResult parse)
    {
        var gateways = parse.GetValue(Gateway) is { Length: > 0 } g ? g
            : Environment.GetEnvironmentVariable("COORDINATOR_GATEWAYS") is { Length: > 0 } env
                ? env.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [ClusterSettings.DefaultGateway];
        var clusterId = parse.GetValue(ClusterId) ?? Environment.GetEnvironmentVariable("COORDINATOR_CLUSTER_ID") ?? ClusterSettings.DefaultId;
        var serviceId = parse.GetValue(ServiceId) ?? Environment.GetEnvironmentVariable("COORDINATOR_SERVICE_ID") ?? ClusterSettings.DefaultId;
        var connect = parse.GetValue(ConnectTimeout);
        var timeout = parse.GetValue(Timeout);
        if (connect is <= 0 or > 3600 || double.IsNaN(connect))
        {
            throw new UsageException($"--connect-timeout is {connect.ToString(CultureInfo.InvariantCulture)}: give seconds between 0 and 3600.");
        }

        if (timeout is <= 0 or > 86400 || double.IsNaN(timeout))
        {
            throw new UsageException($"--timeout is {timeout.ToString(CultureInfo.InvariantCulture)}: give seconds between 0 and 86400.");
        }

        if (string.IsNullOrWhiteSpace(clusterId) || string.IsNullOrWhiteSpace(serviceId))
        {
            throw new UsageException("--cluster-id and --service-id may not be empty.");
        }

        return new ClusterSettings(gateways, clusterId, serviceId, TimeSpan.FromSeconds(connect), TimeSpan.FromSeconds(timeout));
    }
}
