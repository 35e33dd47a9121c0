using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;

namespace Toolkit.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into the one line <c>mlops</c> prints for every failure:
/// unknown flags and commands with a did-you-mean, wrong choices with the choices listed inline.
/// </summary>
internal static class ParseErrors
{
    public static string OneLine(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        var unmatched = parse.UnmatchedTokens;
        var path0 = CommandPath(parse);
        var help0 = path0.Length == 0 ? "mlops --help" : $"mlops {path0} --help";

        // '--data --out x': --data took '--out' as its value, and every later message is about the shifted rest.
        var names = OptionNames(command).ToHashSet(StringComparer.Ordinal);
        if (parse.CommandResult.Children.OfType<OptionResult>()
                .FirstOrDefault(o => o.Tokens.Count > 0 && names.Contains(o.Tokens[0].Value)) is { } swallowed)
        {
            return $"option '{swallowed.Option.Name}' needs a value (found the option '{swallowed.Tokens[0].Value}' in its place) (see '{help0}')";
        }

        var messages = Unmatched(command, unmatched).ToList();
        var unknownCommand = messages.Any(m => m.StartsWith("unknown command", StringComparison.Ordinal));
        foreach (var error in parse.Errors)
        {
            // After an unknown command the rest of the line means nothing: one mistake, one message.
            if (unknownCommand)
            {
                break;
            }

            // Unmatched tokens were described above, once each and with a suggestion.
            if (unmatched.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal)))
            {
                continue;
            }

            messages.Add(Describe(error));
        }

        var path = CommandPath(parse);
        var help = path.Length == 0 ? "mlops --help" : $"mlops {path} --help";
        return $"{string.Join("; ", messages.Distinct(StringComparer.Ordinal))} (see '{help}')";
    }

    private static IEnumerable<string> Unmatched(Command command, IReadOnlyList<string> tokens)
    {
        var options = OptionNames(command).ToList();
        var skipValue = false;
        foreach (var token in tokens)
        {
            if (token.StartsWith('-') && token.Length > 1)
            {
                var name = token.Split('=', 2)[0];
                skipValue = !token.Contains('=', StringComparison.Ordinal);
                yield return $"unknown option '{name}'{DidYouMean.Suffix(name, options)}";
            }
            else if (skipValue)
            {
                // The value of the unknown option before it: one mistake, one message.
                skipValue = false;
            }
            else if (command.Subcommands.Count > 0)
            {
                yield return $"unknown command '{token}'{DidYouMean.Suffix(token, command.Subcommands.Select(c => c.Name))}";
                yield break;
            }
            else
            {
                yield return $"unexpected argument '{token}'";
            }
        }
    }

    private static string Describe(ParseError error)
    {
        var (symbol, value) = error.SymbolResult switch
        {
            OptionResult o => ((Symbol?)o.Option, o.Tokens.FirstOrDefault()?.Value),
            ArgumentResult { Parent: OptionResult o } a => (o.Option, a.Tokens.FirstOrDefault()?.Value),
            ArgumentResult a => (a.Argument, a.Tokens.FirstOrDefault()?.Value),
            _ => (null, null),
        };
        var choices = symbol?.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList() ?? [];
        if (value is not null && choices.Count > 0 && !choices.Contains(value, StringComparer.Ordinal))
        {
            var what = symbol is Option option ? option.Name : $"<{symbol!.Name}>";
            return $"'{value}' is not a valid {what} (choose one of {string.Join(", ", choices)}){DidYouMean.Suffix(value, choices)}";
        }

        return error.Message.ReplaceLineEndings(" ").Trim().TrimEnd('.');
    }

    private static IEnumerable<string> OptionNames(Command command)
    {
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            foreach (var option in c.Options.Where(o => c == command || o.Recursive))
            {
                yield return option.Name;
                foreach (var alias in option.Aliases)
                {
                    yield return alias;
                }
            }
        }
    }

    internal static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null; r = r.Parent as CommandResult)
        {
            if (r.Command is not RootCommand)
            {
                names.Add(r.Command.Name);
            }
        }

        names.Reverse();
        return string.Join(' ', names);
    }
}
