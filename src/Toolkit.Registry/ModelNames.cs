using System.Text.RegularExpressions;

namespace Toolkit.Registry;

/// <summary>
/// The one naming rule for registered models, whatever the backend: lowercase letters, digits and dashes,
/// starting with a letter, at most 100 characters (safe in paths, URLs, YAML and MLflow search filters).
/// </summary>
public static partial class ModelNames
{
    public const int MaxLength = 100;

    public static bool IsValid(string? name) => name is { Length: > 0 and <= MaxLength } && NamePattern().IsMatch(name);

    /// <summary>Returns <paramref name="name"/>, or throws a <see cref="RegistryException"/> saying the rule.</summary>
    public static string Ensure(string? name) =>
        IsValid(name)
            ? name!
            : throw new RegistryException(
                $"model name '{name}' is invalid: use lowercase letters, digits and dashes, starting with a letter, at most {MaxLength} characters (e.g. 'diabetes-risk')");

    [GeneratedRegex("^[a-z][a-z0-9-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
