namespace Toolkit.Ml.Training;

/// <summary>What a model predicts.</summary>
public enum ModelTask
{
    /// <summary>Two classes; predictions are the probability of the positive class (index 1).</summary>
    BinaryClassification,

    /// <summary>A real-valued target.</summary>
    Regression,
}

/// <summary>Snake-case names for tasks, as they appear in files and on the command line.</summary>
public static class ModelTaskNames
{
    public const string BinaryClassification = "binary-classification";
    public const string Regression = "regression";

    public static string ToName(this ModelTask task) => task switch
    {
        ModelTask.BinaryClassification => BinaryClassification,
        ModelTask.Regression => Regression,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };

    public static ModelTask Parse(string name) => name switch
    {
        BinaryClassification or "classification" or "binary" => ModelTask.BinaryClassification,
        Regression => ModelTask.Regression,
        _ => throw new ArgumentException(
            $"Unknown task '{name}'; valid tasks: {BinaryClassification}, {Regression}.", nameof(name)),
    };
}
