namespace Toolkit.Ml.Onnx;

/// <summary>The ModelProto metadata_props keys the toolkit writes and reads.</summary>
public static class OnnxMetadata
{
    public const string Algorithm = "toolkit.algorithm";

    /// <summary>"binary-classification" or "regression" (<see cref="Toolkit.Ml.Training.ModelTaskNames"/>).</summary>
    public const string Task = "toolkit.task";

    public const string Label = "toolkit.label";

    /// <summary>The two classes, comma-separated; index 1 is the positive class.</summary>
    public const string Classes = "toolkit.classes";

    /// <summary>
    /// For a graph whose one input is an [N, F] feature tensor: the F columns that feed it, comma-separated,
    /// in tensor order (position 0 first).
    /// </summary>
    public const string Features = "toolkit.features";

    /// <summary>The digest of the .tkm file an export was made from.</summary>
    public const string ModelDigest = "toolkit.model_digest";
}
