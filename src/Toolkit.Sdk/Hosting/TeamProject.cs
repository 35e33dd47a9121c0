using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk.Hosting;

/// <summary>
/// A team's built and loaded C# project: its assembly (name, version, digest of the dll), the digest of
/// its source, and the components and feature transforms found in it. For the toolkit's host; a team's
/// own code has no need of it.
/// </summary>
public sealed record TeamProject
{
    /// <summary>The project's name: its file name without <c>.csproj</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The project file, as toolkit.yaml names it (for messages).</summary>
    public required string ProjectFile { get; init; }

    public required string AssemblyName { get; init; }

    public required string AssemblyVersion { get; init; }

    /// <summary><c>sha256:</c> of the built dll: what a model file records to refuse other code.</summary>
    public required string AssemblyDigest { get; init; }

    /// <summary><c>sha256:</c> of the project's source (every file but bin/ and obj/) and the SDK it was built against.</summary>
    public required string SourceDigest { get; init; }

    /// <summary>The folder holding the built assembly and its dependencies.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The components, each with the project's source digest and origin in its descriptor.</summary>
    public IReadOnlyList<IComponent> Components { get; init; } = [];

    public IReadOnlyList<FeatureTransform> Transforms { get; init; } = [];
}

/// <summary>A team project that cannot be loaded or used: the message names the project and the type.</summary>
public sealed class TeamProjectException : Exception
{
    public TeamProjectException()
    {
    }

    public TeamProjectException(string message)
        : base(message)
    {
    }

    public TeamProjectException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
