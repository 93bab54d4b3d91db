using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Coordinator.Cli;

/// <summary><c>status</c>, <c>renew</c>, <c>revoke</c>: one domain's certificate, through its domain grain.</summary>
internal static class CertificateCommands
{
    // RFC 5280 section 5.3.1 CRLReason codes (7 is unused).
    private static readonly int[] RevocationReasons = [0, 1, 2, 3, 4, 5, 6, 8, 9, 10];

    public static Command Status()
    {
        var name = new Argument<string?>("name") { Description = "One managed name; all managed names when omitted.", Arity = ArgumentArity.ZeroOrOne };
        var status = new Command("status", "Show certificate state, serial, not-after, issuer, next attempt, last error and lease holder.") { name };
        status.SetAction((parse, ct) => CliApp.RunAsync(
            parse,
            ct,
            () => parse.GetValue(name) is { } n ? CliApp.Domain(n) : null,
            async (client, output, domain) =>
            {
                if (domain is not null)
                {
                    var one = await StatusOfAsync(client, domain);
                    if (!one.Managed && one.State == DomainState.None && one.SerialNumber is null)
                    {
                        output.Error($"{domain} is not a managed domain and has no certificate. Add it with 'coordinator domains add {domain}'.");
                        return ExitCodes.Failed;
                    }

                    if (output.Json)
                    {
                        output.WriteJson(one);
                    }
                    else
                    {
                        output.Out.Write(Table([one]));
                    }

                    return ExitCodes.Ok;
                }

                var all = await output.ProgressAsync("Reading the status of every managed domain…", async () =>
                {
                    var names = new List<string>();
                    await foreach (var d in client.ListDomainsAsync().WithCancellation(ct))
                    {
                        names.Add(d);
                    }

                    var results = new StatusJson[names.Count];
                    await Parallel.ForEachAsync(
                        Enumerable.Range(0, names.Count),
                        new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                        async (i, _) => results[i] = StatusJson.From(await client.GetGrain<IDomainGrain>(names[i]).GetStatusAsync(), managed: true));
                    return results.OrderBy(r => r.Domain, StringComparer.Ordinal).ToList();
                });
                if (output.Json)
                {
                    output.WriteJson(all);
                }
                else
                {
                    output.Out.Write(Table(all));
                    output.Out.MarkupLineInterpolated($"{all.Count} managed domain(s): {all.Count(s => s.State == DomainState.Valid)} valid, {all.Count(s => s.State == DomainState.BackingOff)} backing off, {all.Count(s => s.State == DomainState.Ordering)} ordering.");
                }

                return ExitCodes.Ok;
            }));
        return status;
    }

    public static Command Renew()
    {
        var name = new Argument<string>("name") { Description = "The managed name to renew now." };
        var renew = new Command("renew", "Order a new certificate now, even if the current one is not due; waits for the order to end.") { name };
        renew.SetAction((parse, ct) => CliApp.RunAsync(
            parse,
            ct,
            () => CliApp.Domain(parse.GetValue(name)!),
            async (client, output, domain) =>
            {
                if (!await IsManagedAsync(client, domain))
                {
                    output.Error($"{domain} is not a managed domain. Add it with 'coordinator domains add {domain}' (that also orders its first certificate).");
                    return ExitCodes.Failed;
                }

                var grain = client.GetGrain<IDomainGrain>(domain);
                var before = await grain.GetStatusAsync();
                var after = StatusJson.From(await output.ProgressAsync($"Renewing {domain} (ordering from the CA)…", grain.RenewAsync), managed: true);
                var ok = after.State == DomainState.Valid && after.SerialNumber is not null && after.SerialNumber != before.SerialNumber;
                if (output.Json)
                {
                    output.WriteJson(new RenewJson(before.SerialNumber, after, ok));
                }
                else
                {
                    output.Out.Write(Table([after]));
                }

                if (!ok)
                {
                    output.Error($"Renewal of {domain} did not produce a new certificate: {after.LastError ?? "state " + after.State}. " +
                        $"The next attempt is at {Output.Show(after.NextAttempt)}; see the nodes' logs for the CA's answer.");
                    return ExitCodes.Failed;
                }

                output.Note($"Renewed {domain}: serial {before.SerialNumber ?? "(none)"} → {after.SerialNumber}.");
                return ExitCodes.Ok;
            }));
        return renew;
    }

    public static Command Revoke()
    {
        var name = new Argument<string>("name") { Description = "The name whose current certificate to revoke." };
        var reason = new Option<int>("--reason")
        {
            Description = "RFC 5280 reason code: 0 unspecified, 1 keyCompromise, 3 affiliationChanged, 4 superseded, 5 cessationOfOperation (CAs may refuse others). Default: 0.",
            DefaultValueFactory = _ => 0,
        };
        var revoke = new Command("revoke", "Revoke the name's current certificate at its CA; nodes stop serving it. The name stays managed, so a new certificate is ordered.") { name, reason };
        revoke.SetAction((parse, ct) => CliApp.RunAsync(
            parse,
            ct,
            () =>
            {
                var r = parse.GetValue(reason);
                if (!RevocationReasons.Contains(r))
                {
                    throw new UsageException($"--reason {r.ToString(CultureInfo.InvariantCulture)} is not an RFC 5280 reason code: use one of {string.Join(", ", RevocationReasons)}.");
                }

                return (Domain: CliApp.Domain(parse.GetValue(name)!), Reason: r);
            },
            async (client, output, input) =>
            {
                var grain = client.GetGrain<IDomainGrain>(input.Domain);
                var before = await grain.GetStatusAsync();
                if (before.SerialNumber is null || before.State == DomainState.Revoked)
                {
                    output.Error($"{input.Domain} has no current certificate to revoke (state {before.State}). See 'coordinator status {input.Domain}'.");
                    return ExitCodes.Failed;
                }

                var after = await output.ProgressAsync($"Revoking {input.Domain} (serial {before.SerialNumber})…", () => grain.RevokeAsync(input.Reason));
                if (output.Json)
                {
                    output.WriteJson(new RevokeJson(input.Domain, before.SerialNumber, input.Reason, StatusJson.From(after, managed: await IsManagedAsync(client, input.Domain))));
                }
                else
                {
                    output.Out.MarkupLineInterpolated($"Revoked {input.Domain}: serial {before.SerialNumber} (reason {input.Reason}).");
                }

                return ExitCodes.Ok;
            }));
        return revoke;
    }

    private static Task<bool> IsManagedAsync(IClusterClient client, string domain) =>
        client.GetGrain<IDomainRegistryShardGrain>(DomainRegistry.ShardOf(domain)).ContainsAsync(domain);

    private static async Task<StatusJson> StatusOfAsync(IClusterClient client, string domain)
    {
        var managed = IsManagedAsync(client, domain);
        var status = client.GetGrain<IDomainGrain>(domain).GetStatusAsync();
        return StatusJson.From(await status, await managed);
    }

    private static Table Table(IReadOnlyList<StatusJson> rows)
    {
        var table = new Table();
        foreach (var c in new[] { "Domain", "State", "Serial", "Not after", "Issuer", "Next attempt", "Last error", "Lease holder" })
        {
            table.AddColumn(c);
        }

        foreach (var s in rows)
        {
            var state = s.State switch
            {
                DomainState.Valid => "[green]Valid[/]",
                DomainState.BackingOff => "[red]BackingOff[/]",
                DomainState.Revoked => "[yellow]Revoked[/]",
                DomainState.Ordering => "[blue]Ordering[/]",
                _ => s.State.ToString(),
            };
            table.AddRow(
                Markup.Escape(s.Domain + (s.Managed ? "" : " (not managed)")),
                state,
                Markup.Escape(s.SerialNumber ?? "-"),
                Output.Show(s.NotAfter),
                Markup.Escape(s.Issuer ?? "-"),
                Output.Show(s.NextAttempt),
                Markup.Escape(s.LastError ?? "-"),
                Markup.Escape(s.LeaseHolder ?? "-"));
        }

        return table;
    }

    /// <summary>The JSON shape of a domain's status (property names are part of the tool's contract).</summary>
    internal sealed record StatusJson(
        string Domain,
        bool Managed,
        DomainState State,
        string? SerialNumber,
        DateTimeOffset? NotBefore,
        DateTimeOffset? NotAfter,
        string? Issuer,
        DateTimeOffset? NextAttempt,
        string? LastError,
        int FailureCount,
        string? OrderUrl,
        string? LeaseHolder,
        long LeaseEpoch)
    {
        public static StatusJson From(DomainStatus s, bool managed) =>
            new(s.Domain, managed, s.State, s.SerialNumber, s.NotBefore, s.NotAfter, s.Issuer, s.NextAttempt, s.LastError, s.FailureCount, s.OrderUrl, s.LeaseHolder, s.LeaseEpoch);
    }

    internal sealed record RenewJson(string? PreviousSerialNumber, StatusJson Status, bool Renewed);

    internal sealed record RevokeJson(string Domain, string RevokedSerialNumber, int Reason, StatusJson Status);
}
