using System.Text.Encodings.Web;
using System.Text.Json;

namespace Toolkit.Cli.Commands;

/// <summary>One JSON object per command on stdout, for scripts and CI (the <c>--json</c> contract).</summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static Task WriteAsync(TextWriter output, object value, CancellationToken cancellationToken) =>
        output.WriteLineAsync(JsonSerializer.Serialize(value, Options).AsMemory(), cancellationToken);

    /// <summary>NaN and infinities have no JSON form; they become null.</summary>
    public static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
