using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>Least squares with a mixed L1/L2 penalty (scikit-learn's ElasticNet, or ElasticNetCV when cv ≥ 2).</summary>
internal sealed class ElasticNetAlgorithm : IAlgorithm
{
    public string Name => "elastic-net";

    public string Description =>
        "Elastic-net regression: least squares with mixed L1/L2 penalties (l1_ratio), by coordinate descent; cv >= 2 chooses alpha by cross-validation.";

    public IReadOnlyList<ParameterInfo> Parameters { get; } = ElasticNetFitter.Parameters(withL1Ratio: true);

    public bool NeedsScaledInputs => true;

    public bool Supports(ModelTask task) => task == ModelTask.Regression;

    public FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        LinearInputs.CheckTask(this, data.Task);
        return new FitResult(ElasticNetFitter.Fit(Name, data, ElasticNetFitter.Settings(Name, parameters, l1Ratio: null), context));
    }

    public IPredictor Read(JsonElement payload, ModelTask task) => LinearPredictor.Read(payload, task);
}
