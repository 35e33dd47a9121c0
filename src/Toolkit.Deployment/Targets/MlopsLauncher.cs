namespace Toolkit.Deployment.Targets;

/// <summary>How to start this same <c>mlops</c> as another process: a file and the arguments before mlops's own.</summary>
internal sealed record MlopsLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>
    /// The running mlops: its apphost when started as <c>mlops</c>, else <c>dotnet mlops.dll</c> (a <c>dotnet run</c>,
    /// a .NET tool, or a test host that runs the CLI in-process).
    /// </summary>
    public static MlopsLauncher For(string mlopsDll)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mlopsDll);
        var host = Environment.ProcessPath;
        var name = host is null ? null : Path.GetFileNameWithoutExtension(host);
        if (string.Equals(name, "mlops", StringComparison.OrdinalIgnoreCase))
        {
            return new MlopsLauncher(host!, []);
        }

        return new MlopsLauncher(string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase) ? host! : "dotnet", [mlopsDll]);
    }
}
