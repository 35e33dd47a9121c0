using Toolkit.Ml.Data;

namespace Toolkit.Ml.Models;

/// <summary>
/// The columns <c>mlops predict</c> writes: <c>prediction</c> (the class, or the value for regression) and, for
/// classifiers, <c>probability</c> (of the positive class). One place, so the smoke sample stored at
/// registration holds exactly what <c>mlops predict</c> would have written.
/// </summary>
public static class PredictionOutput
{
    public const string PredictionColumn = "prediction";

    public const string ProbabilityColumn = "probability";

    public static DataTable ToTable(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        Column[] columns = prediction.Classes is { } classes
            ? [CategoricalColumn.FromValues(PredictionColumn, classes), new Float64Column(ProbabilityColumn, prediction.Scores)]
            : [new Float64Column(PredictionColumn, prediction.Scores)];
        return new DataTable(columns);
    }
}
