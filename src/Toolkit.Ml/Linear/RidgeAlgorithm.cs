using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// L2-penalized least squares in closed form, as scikit-learn's Ridge (cholesky solver): minimizes
/// ||y - Xw - b||² + alpha·||w||² by solving (XcᵀXc + alpha·I) w = Xcᵀyc on centered data.
/// </summary>
internal sealed class RidgeAlgorithm : IAlgorithm
{
    public string Name => "ridge";

    public string Description => "Ridge regression: least squares with an L2 penalty, solved exactly (Cholesky).";

    public IReadOnlyList<ParameterInfo> Parameters { get; } =
    [
        new("alpha", ParameterKind.Real, "1.0", "L2 penalty strength (0 = ordinary least squares).") { Min = 0 },
        new("fit_intercept", ParameterKind.Boolean, "true", "Fit an unpenalized intercept (centers the data)."),
    ];

    public bool NeedsScaledInputs => true;

    public bool Supports(ModelTask task) => task == ModelTask.Regression;

    public FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        LinearInputs.CheckTask(this, data.Task);
        LinearInputs.CheckLabel(data, Name);
        var alpha = parameters.GetDouble("alpha");
        var fitIntercept = parameters.GetBool("fit_intercept");
        var x = LinearInputs.Columns(data.Features, Name);
        var xMean = LinearInputs.Center(x, fitIntercept);
        var y = LinearInputs.CenterLabel(data.Label, fitIntercept, out var yMean);

        // Columns that are all zero (constant after centering) get coefficient 0 and stay out of
        // the system, so that alpha = 0 still works when such a column is present.
        var active = Enumerable.Range(0, x.Length).Where(j => x[j].Any(v => v != 0.0)).ToArray();
        var m = active.Length;
        var activeColumns = active.Select(j => x[j]).ToArray();
        var gram = new double[m * m];
        context.CancellationToken.ThrowIfCancellationRequested();
        LinearAlgebra.Gram(activeColumns, default, gram);
        var rhs = new double[m];
        for (var a = 0; a < m; a++)
        {
            gram[(a * m) + a] += alpha;
            rhs[a] = LinearAlgebra.Dot(activeColumns[a], y);
        }

        context.Progress?.Report(new TrainingProgress("gram", 1, 1));

        if (!LinearAlgebra.TryCholeskySolve(gram, m, rhs))
        {
            throw new InvalidOperationException(
                $"{Name}: XᵀX + alpha·I is singular (collinear features with alpha = {alpha.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}); use alpha > 0.");
        }

        var w = new double[x.Length];
        for (var a = 0; a < m; a++)
        {
            w[active[a]] = rhs[a];
        }

        return new FitResult(new LinearPredictor(ModelTask.Regression, w, fitIntercept ? yMean - LinearAlgebra.Dot(xMean, w) : 0.0));
    }

    public IPredictor Read(JsonElement payload, ModelTask task) => LinearPredictor.Read(payload, task);
}
