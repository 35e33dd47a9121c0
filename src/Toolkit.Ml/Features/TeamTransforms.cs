using Toolkit.Sdk;

namespace Toolkit.Ml.Features;

/// <summary>
/// A team's feature transform as the host loaded it: the code and the assembly (name, SHA-256 of the dll) it came from,
/// and the folder of that build (what a model-service image copies so its server loads the same code); null when unknown.
/// </summary>
public sealed record TeamTransform(FeatureTransform Transform, string AssemblyName, string AssemblyDigest, string? OutputDirectory = null)
{
    public string Name => Transform.Name;

    public string Version => Transform.Version;

    /// <summary>How a refusal names it: <c>T v1 from A (digest D)</c>.</summary>
    public string Describe() => $"{Name} v{Version} from {AssemblyName} (digest {AssemblyDigest})";
}

/// <summary>A transform to fit first in a feature pipeline, with its parameters (checked against its declared ones).</summary>
public sealed record TransformFit(TeamTransform Source, IReadOnlyDictionary<string, string> Parameters);

/// <summary>A team transform fitted on training rows: what a model file records and applies before the built-in steps.</summary>
public sealed class FittedTeamTransform
{
    internal FittedTeamTransform(TeamTransform source, FittedTransform fitted)
    {
        Source = source;
        Fitted = fitted;
    }

    public TeamTransform Source { get; }

    public string Name => Source.Name;

    public string Version => Source.Version;

    public string AssemblyName => Source.AssemblyName;

    public string AssemblyDigest => Source.AssemblyDigest;

    internal FittedTransform Fitted { get; }
}
