using System.CommandLine;
using Spectre.Console;

namespace Coordinator.Cli;

/// <summary><c>domains list|add|remove</c>: the registry of managed names.</summary>
internal static class DomainCommands
{
    public static Command Build()
    {
        var domains = new Command("domains", "The managed domain names (the cluster obtains and renews a certificate for each).");

        var list = new Command("list", "List every managed name.");
        list.SetAction((parse, ct) => CliApp.RunAsync(parse, ct, async (client, output) =>
        {
            var names = await output.ProgressAsync("Listing managed domains…", async () =>
            {
                var all = new List<string>();
                await foreach (var d in client.ListDomainsAsync().WithCancellation(ct))
                {
                    all.Add(d);
                }

                all.Sort(StringComparer.Ordinal);
                return all;
            });
            if (output.Json)
            {
                output.WriteJson(new DomainListJson(names.Count, names));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumn("Domain");
            foreach (var n in names)
            {
                table.AddRow(Markup.Escape(n));
            }

            output.Out.Write(table);
            output.Out.MarkupLineInterpolated($"{names.Count} managed domain(s).");
            return ExitCodes.Ok;
        }));

        var addNames = new Argument<string[]>("names") { Description = "Host names to manage (IDNs are converted; a wildcard needs a DNS-01 solver on the nodes).", Arity = ArgumentArity.OneOrMore };
        var add = new Command("add", "Add names; the cluster starts ordering their certificates.") { addNames };
        add.SetAction((parse, ct) => CliApp.RunAsync(
            parse,
            ct,
            () => parse.GetValue(addNames)!.Select(CliApp.Domain).Distinct(StringComparer.Ordinal).ToList(),
            async (client, output, names) =>
            {
                var added = await output.ProgressAsync($"Adding {names.Count} domain(s)…", () => client.AddDomainsAsync(names));
                if (output.Json)
                {
                    output.WriteJson(new DomainAddJson(added, names.Count - added, names));
                }
                else
                {
                    output.Out.MarkupLineInterpolated($"Added {added} domain(s); {names.Count - added} already managed.");
                    output.Out.MarkupLine("Follow their certificates with [bold]coordinator status[/].");
                }

                return ExitCodes.Ok;
            }));

        var removeName = new Argument<string>("name") { Description = "The host name to stop managing." };
        var remove = new Command("remove", "Stop managing a name (its certificate stays stored until revoked; nodes keep serving it until it expires).") { removeName };
        remove.SetAction((parse, ct) => CliApp.RunAsync(
            parse,
            ct,
            () => CliApp.Domain(parse.GetValue(removeName)!),
            async (client, output, name) =>
            {
                var removed = await client.RemoveDomainAsync(name);
                if (output.Json)
                {
                    output.WriteJson(new DomainRemoveJson(name, removed));
                }
                else if (removed)
                {
                    output.Out.MarkupLineInterpolated($"Removed {name}.");
                }

                if (!removed)
                {
                    output.Error($"{name} is not a managed domain; nothing was removed. See 'coordinator domains list'.");
                    return ExitCodes.Failed;
                }

                return ExitCodes.Ok;
            }));

        domains.Add(list);
        domains.Add(add);
        domains.Add(remove);
        return domains;
    }

    internal sealed record DomainListJson(int Count, IReadOnlyList<string> Domains);

    internal sealed record DomainAddJson(int Added, int AlreadyManaged, IReadOnlyList<string> Domains);

    internal sealed record DomainRemoveJson(string Domain, bool Removed);
}
