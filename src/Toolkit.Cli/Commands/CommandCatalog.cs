using System.CommandLine;

namespace Toolkit.Cli.Commands;

/// <summary>Every top-level command of <c>mlops</c>, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> Create(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return [];
    }
}
