using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Coordinator.Cli;

/// <summary>
/// Where results go: human tables on stdout by default, or JSON (stable camelCase names) with <c>--json</c>.
/// Progress and errors go to stderr, so stdout stays clean for scripts.
/// </summary>
internal sealed class Output
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly TextWriter stdout = Console.Out;

    public Output(bool json)
    {
        Json = json;
        Out = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (Console.IsOutputRedirected)
        {
            // Piped output: no wrapping of serials or errors at an assumed 80 columns.
            Out.Profile.Width = 240;
        }

        if (Console.IsErrorRedirected)
        {
            Err.Profile.Width = 240;
        }
    }

    public bool Json { get; }

    public IAnsiConsole Out { get; }

    public IAnsiConsole Err { get; }

    public void WriteJson<T>(T value) => stdout.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    public void Error(string message) => Err.MarkupLineInterpolated($"[red]error:[/] {message}");

    public void Note(string message)
    {
        if (!Json)
        {
            Out.MarkupLineInterpolated($"{message}");
        }
    }

    /// <summary>Runs a long operation under a spinner on stderr (nothing is drawn when stderr is not a terminal).</summary>
    public async Task<T> ProgressAsync<T>(string what, Func<Task<T>> operation)
    {
        if (Console.IsErrorRedirected)
        {
            return await operation();
        }

        return await Err.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(what), _ => operation());
    }

    public static string Show(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "-";
}
