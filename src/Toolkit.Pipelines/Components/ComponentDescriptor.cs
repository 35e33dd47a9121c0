namespace Toolkit.Pipelines.Components;

/// <summary>The type of a component parameter, checked by validation and when parameters resolve.</summary>
public enum ParameterType
{
    String,
    Integer,
    Number,
    Boolean,

    /// <summary>Any YAML value (a map or list passed through as JSON text).</summary>
    Any,
}

/// <summary>A declared input or output artifact of a component.</summary>
public sealed record ComponentPort(string Name, string Kind, string Description)
{
    /// <summary>Inputs only: the step must wire it.</summary>
    public bool Required { get; init; } = true;

    /// <summary>Inputs only: takes a list of artifacts (e.g. several models to evaluate).</summary>
    public bool Multiple { get; init; }
}

/// <summary>A declared parameter of a component (<c>with:</c> in a pipeline, <c>--param</c> on the command line).</summary>
public sealed record ComponentParameter(string Name, ParameterType Type, string Description)
{
    public bool Required { get; init; }

    /// <summary>The default as text; null when there is none.</summary>
    public string? Default { get; init; }

    /// <summary>When set, the value must be one of these.</summary>
    public IReadOnlyList<string> Choices { get; init; } = [];

    /// <summary>Accept any other parameter too (passed through, e.g. an algorithm's hyperparameters).</summary>
    public bool IsOpen { get; init; }
}

/// <summary>
/// What a component is: name (<c>train/random-forest</c>), version (part of every cache key), declared
/// inputs, outputs, parameters and the scalar values it reports (metrics usable in <c>when</c>).
/// </summary>
public sealed record ComponentDescriptor
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string Description { get; init; }

    public IReadOnlyList<ComponentPort> Inputs { get; init; } = [];

    public IReadOnlyList<ComponentPort> Outputs { get; init; } = [];

    public IReadOnlyList<ComponentParameter> Parameters { get; init; } = [];

    /// <summary>Scalar values the component reports (e.g. <c>auc</c>), readable as <c>steps.X.outputs.auc</c>.</summary>
    public IReadOnlyList<string> Values { get; init; } = [];

    /// <summary>True when <see cref="Values"/> may hold more names than declared (e.g. every metric of a task).</summary>
    public bool OpenValues { get; init; }

    /// <summary>Accepts parameters beyond <see cref="Parameters"/> (passed through to an algorithm).</summary>
    public bool OpenParameters { get; init; }

    public string Reference => $"{Name}@{Version}";
}
