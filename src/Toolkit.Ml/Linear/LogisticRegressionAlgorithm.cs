using System.Text.Json;
using Toolkit.Ml.Training;

namespace Toolkit.Ml.Linear;

/// <summary>
/// Binary logistic regression with scikit-learn's L2 objective, 0.5·||w||² + C·Σ log-loss (intercept
/// not penalized), minimized by Newton's method (IRLS: exact Hessian, Cholesky solve, backtracking
/// line search). Newton converges to the same optimum as sklearn's lbfgs, only in fewer steps; it stops
/// when the largest gradient component is at most tol.
/// </summary>
internal sealed class LogisticRegressionAlgorithm : IAlgorithm
{
    public string Name => "logistic-regression";

    public string Description => "Logistic regression with an L2 penalty (C = inverse strength), fitted by Newton's method.";

    public IReadOnlyList<ParameterInfo> Parameters { get; } =
    [
        new("c", ParameterKind.Real, "1.0", "Inverse of the L2 penalty strength.") { Min = 0, MinExclusive = true },
        new("max_iter", ParameterKind.Integer, "100", "Maximum Newton iterations.") { Min = 1 },
        new("tol", ParameterKind.Real, "0.0001", "Stop when every gradient component is at most this.") { Min = 0 },
        new("fit_intercept", ParameterKind.Boolean, "true", "Fit an unpenalized intercept."),
    ];

    public bool NeedsScaledInputs => true;

    public bool Supports(ModelTask task) => task == ModelTask.BinaryClassification;

    /// <summary>Coefficients (features and intercept) up to which Newton's method is used: a 1,000² Hessian is 8 MB and solves in milliseconds.</summary>
    internal const int NewtonMaxSize = 1000;

    public FitResult Fit(TrainingData data, HyperParameters parameters, TrainContext context)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(context);
        LinearInputs.CheckTask(this, data.Task);
        LinearInputs.CheckLabel(data, Name);
        var objective = new LogisticObjective(
            data.Features.Columns,
            data.Label,
            parameters.GetDouble("c"),
            parameters.GetBool("fit_intercept"));

        // The data is scanned for NaN and infinity only when the first pass shows there is one.
        // Newton on up to NewtonMaxSize coefficients (exact, few steps); beyond, its Size² Hessian and Size³
        // solve would take gigabytes and minutes, so L-BFGS, with ten times the iterations (cheap ones).
        void CheckInputs() => LinearInputs.CheckFinite(data.Features, Name);
        var (w, b) = objective.Size <= NewtonMaxSize
            ? NewtonSolver.Solve(objective, parameters.GetInt("max_iter"), parameters.GetDouble("tol"), context, CheckInputs)
            : LbfgsSolver.Solve(objective, 10 * parameters.GetInt("max_iter"), parameters.GetDouble("tol"), context, CheckInputs);
        return new FitResult(new LinearPredictor(ModelTask.BinaryClassification, w, b));
    }

    public IPredictor Read(JsonElement payload, ModelTask task) => LinearPredictor.Read(payload, task);
}
