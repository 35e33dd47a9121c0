using System.Text;

namespace Toolkit.Cli.Tests.Fuzz;

/// <summary>
/// One malformed input: the files to lay out in a fresh folder, the <c>mlops</c> arguments, the exit
/// code the documentation promises, what the error must name, and the output that must not appear.
/// </summary>
internal sealed record FuzzCase
{
    public required string Name { get; init; }

    public IReadOnlyDictionary<string, byte[]> Files { get; init; } = new Dictionary<string, byte[]>();

    public required string[] Args { get; init; }

    public int ExpectedExit { get; init; } = ExitCodes.BadInput;

    /// <summary>Text the error must contain (the file, the field); null: no requirement.</summary>
    public string? MustName { get; init; }

    /// <summary>A path (relative to the folder) that must not exist afterwards.</summary>
    public string? Output { get; init; }

    /// <summary>Most errors are one line; a validator that lists every problem may print more.</summary>
    public int MaxErrorLines { get; init; } = 3;

    /// <summary>Copy the repository's pipelines and models into the folder (a project), with the reference toolkit.yaml.</summary>
    public bool Project { get; init; }

    public override string ToString() => Name;

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
