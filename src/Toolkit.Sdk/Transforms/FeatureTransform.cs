using System.Text.Json;
using Toolkit.Ml.Data;
using Toolkit.Pipelines.Components;

namespace Toolkit.Sdk;

/// <summary>
/// A team's feature logic: fitted on training rows only, applied to any rows (training, evaluation,
/// serving). A public non-abstract subclass with a public parameterless constructor in a project listed
/// under <c>components:</c> in toolkit.yaml is found and registered by the toolkit.
/// </summary>
public abstract class FeatureTransform
{
    /// <summary>Lowercase, one '/', like component names: <c>diabetes/clinical-features</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Bump it when the logic changes: a model records it, with the assembly's digest.</summary>
    public abstract string Version { get; }

    public virtual string Description => "";

    /// <summary>The raw columns the transform reads.</summary>
    public abstract IReadOnlyList<string> Inputs { get; }

    /// <summary>Declared parameters, checked like a component's (type, range, choices).</summary>
    public virtual IReadOnlyList<ComponentParameter> Parameters => [];

    /// <summary>Learns whatever state the transform needs from training rows only.</summary>
    public abstract FittedTransform Fit(DataTable train, IReadOnlyDictionary<string, string> parameters);

    /// <summary>Rebuilds a fitted transform from what <see cref="FittedTransform.Write"/> wrote.</summary>
    public abstract FittedTransform Read(JsonElement state);

    public string Reference => $"{Name}@{Version}";
}

/// <summary>A transform with its fitted state: applied to any rows, written into the model file.</summary>
public abstract class FittedTransform
{
    /// <summary>
    /// The rows with the transform's columns added (or replaced). Row-wise and deterministic: output row
    /// i depends only on input row i and the fitted state; missing inputs (NaN, a null category) must
    /// give a defined output.
    /// </summary>
    public abstract DataTable Transform(DataTable rows);

    /// <summary>The fitted state as JSON; the same state must write the same bytes.</summary>
    public abstract void Write(Utf8JsonWriter writer);
}
