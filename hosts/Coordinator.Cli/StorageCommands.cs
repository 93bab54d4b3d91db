using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Coordinator.Cli;

/// <summary><c>storage check</c>: the conditional-write probe and an open of every stored object.</summary>
internal static class StorageCommands
{
    public static Command Build()
    {
        var storage = new Command("storage", "The encrypted store the nodes keep their state in.");
        var check = new Command("check", "Probe the store's conditional writes and open every object; reports counts per key id, never keys or plaintext. Exit code 1 unless healthy.");
        check.SetAction((parse, ct) => CliApp.RunAsync(parse, ct, async (client, output) =>
        {
            var r = await output.ProgressAsync("Probing conditional writes and opening every stored object…", () => client.GetGrain<ICoordinatorAdminGrain>(0).CheckStorageAsync());
            if (output.Json)
            {
                output.WriteJson(r);
            }
            else
            {
                var table = new Table().AddColumn("Storage check").AddColumn("");
                table.AddRow("Location", Markup.Escape(r.Location));
                table.AddRow("Conditional writes", r.ConditionalWritesHonoured ? "[green]honoured[/]" : $"[red]IGNORED[/] ({Markup.Escape(r.ConditionalWriteFailure ?? "")})");
                table.AddRow("Objects", r.Objects.ToString(CultureInfo.InvariantCulture));
                table.AddRow("Readable", r.Readable.ToString(CultureInfo.InvariantCulture));
                table.AddRow("Unreadable", r.Unreadable == 0 ? "0" : $"[red]{r.Unreadable}[/]");
                table.AddRow("Other objects (skipped)", r.Skipped.ToString(CultureInfo.InvariantCulture));
                table.AddRow("Primary key id", Markup.Escape(r.PrimaryKeyId));
                foreach (var (keyId, count) in r.ObjectsByKeyId.OrderBy(k => k.Key, StringComparer.Ordinal))
                {
                    table.AddRow($"Sealed with '{Markup.Escape(keyId)}'", count.ToString(CultureInfo.InvariantCulture));
                }

                table.AddRow("Run on silo", Markup.Escape(r.Silo ?? "-"));
                output.Out.Write(table);
                foreach (var p in r.Problems)
                {
                    output.Err.MarkupLineInterpolated($"[red]unreadable:[/] {p}");
                }
            }

            if (!r.ConditionalWritesHonoured)
            {
                output.Error($"{r.Location} ignores conditional writes ({r.ConditionalWriteFailure}): two activations of a grain can overwrite each other's state. Use a store that honours If-None-Match/If-Match.");
                return ExitCodes.Failed;
            }

            if (r.Unreadable > 0)
            {
                output.Error($"{r.Unreadable} object(s) could not be opened with the nodes' key ring. If a key was removed before its rotation completed, add it back to Coordinator:Storage:KeyRing:Keys.");
                return ExitCodes.Failed;
            }

            output.Note($"All {r.Objects} object(s) readable; conditional writes honoured.");
            return ExitCodes.Ok;
        }));
        storage.Add(check);
        return storage;
    }
}
