using System.CommandLine;
using System.Security.Cryptography;
using Spectre.Console;

namespace Coordinator.Cli;

/// <summary><c>keys generate</c> (local, no cluster) and <c>keys rotate</c> (re-seal the store under the primary key).</summary>
internal static class KeyCommands
{
    /// <summary>The length of a storage master key (libsodium <c>crypto_secretbox_KEYBYTES</c>).</summary>
    public const int KeyLength = 32;

    public static Command Build()
    {
        var keys = new Command("keys", "The storage master keys (Coordinator:Storage:KeyRing).");

        var id = new Option<string?>("--id") { Description = "The key id to suggest in the configuration line (1-64 of A-Z a-z 0-9 . _ -). Default: key-<yyyyMMdd>." };
        var generate = new Command("generate", "Print a new random 32-byte key, base64, once. Needs no cluster; nothing is stored.") { id };
        generate.SetAction(parse => CliApp.RunLocalAsync(parse, output =>
        {
            var keyId = parse.GetValue(id) ?? "key-" + TimeProvider.System.GetUtcNow().ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
            if (keyId.Length is 0 or > 64 || !keyId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new UsageException($"--id '{Markup.Escape(keyId)}' is not a valid key id: use 1 to 64 characters of A-Z a-z 0-9 . _ -.");
            }

            var bytes = RandomNumberGenerator.GetBytes(KeyLength);
            var key = Convert.ToBase64String(bytes);
            CryptographicOperations.ZeroMemory(bytes);
            var setting = $"Coordinator__Storage__KeyRing__Keys__{keyId}";
            if (output.Json)
            {
                output.WriteJson(new GeneratedKeyJson(keyId, key, setting));
            }
            else
            {
                // The key alone on stdout (so `coordinator keys generate > file` works); guidance on stderr.
                Console.Out.WriteLine(key);
                output.Err.MarkupLineInterpolated($"A new {KeyLength}-byte key, shown only this once. Store it in your secret store and give it to every node as {setting}.");
                output.Err.MarkupLineInterpolated($"To rotate: add it on every node, then set Coordinator__Storage__KeyRing__PrimaryKeyId={keyId}, restart the nodes one by one, run 'coordinator keys rotate', and remove the old key only when that reports complete.");
            }

            return Task.FromResult(ExitCodes.Ok);
        }));

        var rotate = new Command("rotate", "Re-seal every stored object under the nodes' primary key (safe while serving; safe to repeat). Exit code 1 unless complete.");
        rotate.SetAction((parse, ct) => CliApp.RunAsync(parse, ct, async (client, output) =>
        {
            var r = await output.ProgressAsync("Re-sealing every stored object under the primary key…", () => client.GetGrain<ICoordinatorAdminGrain>(0).RotateKeysAsync());
            if (output.Json)
            {
                output.WriteJson(r);
            }
            else
            {
                var table = new Table().AddColumn("Key rotation").AddColumn(new TableColumn("").RightAligned());
                table.AddRow("Primary key id", Markup.Escape(r.PrimaryKeyId));
                table.AddRow("Objects examined", r.Examined.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("Re-sealed now", r.Resealed.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("Already current", r.AlreadyCurrent.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("Conflicts retried", r.Conflicts.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("Deleted meanwhile", r.Vanished.ToString(System.Globalization.CultureInfo.InvariantCulture));
                table.AddRow("Failed", r.Failed == 0 ? "0" : $"[red]{r.Failed}[/]");
                table.AddRow("Complete", r.Complete ? "[green]yes[/]" : "[red]no[/]");
                table.AddRow("Run on silo", Markup.Escape(r.Silo ?? "-"));
                output.Out.Write(table);
            }

            if (!r.Complete)
            {
                output.Error($"{r.Failed} object(s) could not be re-sealed under '{r.PrimaryKeyId}': keep every old key in the key ring. " +
                    "Run 'coordinator storage check' to see which objects and why, then 'coordinator keys rotate' again.");
                return ExitCodes.Failed;
            }

            output.Note($"Every object is sealed with '{r.PrimaryKeyId}': older keys may now be removed from the nodes' key ring.");
            return ExitCodes.Ok;
        }));

        keys.Add(generate);
        keys.Add(rotate);
        return keys;
    }

    internal sealed record GeneratedKeyJson(string KeyId, string Key, string Setting);
}
