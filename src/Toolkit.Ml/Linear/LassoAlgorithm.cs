using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>L1-penalized least squares (scikit-learn's Lasso, or LassoCV when cv ≥ 2).</summary>
internal sealed class LassoAlgorithm : IAlgorithm
{
    public string Name => "lasso";

    public string Description =>
        "Lasso regression: least squares with an L1 penalty (sparse coefficients), by coordinate descent; cv >= 2 chooses alpha by cross-validation.";

    public IReadOnlyList<ParameterInfo> Parameters { get; } = ElasticNetFitter.Parameters(withL1Ratio: false);

    public bool NeedsScaledInputs => true;

    public bool Supports(ModelTask task) => task == ModelTask.Regression;

    public FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearInputs.CheckTask(this, data.Task);
        return new FitResult(ElasticNetFitter.Fit(Name, data, ElasticNetFitter.Settings(Name, parameters, l1Ratio: 1.0), context));
    }

    public IPredictor Read(JsonElement payload, ModelTask task) => LinearPredictor.Read(payload, task);
}
