namespace Toolkit.Registry;

/// <summary>Who is acting on the registry, found the same way by every command and pipeline step.</summary>
public static class Actors
{
    /// <summary>What a registration with no actor records (the library reads no environment itself).</summary>
    public const string Unknown = "unknown";

    /// <summary>The given name, else CI's actor (<c>GITHUB_ACTOR</c>), else the OS user.</summary>
    public static string Resolve(string? given) =>
        OrNull(given)
        ?? OrNull(Environment.GetEnvironmentVariable("GITHUB_ACTOR"))
        ?? OrNull(Environment.UserName)
        ?? Unknown;

    /// <summary>The name trimmed, or <see cref="Unknown"/> when none was given.</summary>
    internal static string OrUnknown(string? given) => OrNull(given) ?? Unknown;

    private static string? OrNull(string? name) => string.IsNullOrWhiteSpace(name) ? null : name.Trim();
}
