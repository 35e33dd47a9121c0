namespace Toolkit.Ml.Models;

/// <summary>
/// A model whose graph takes its whole signature, in order, as one [N, F] numeric tensor (an ONNX file
/// converted from scikit-learn and the like). Serving lets clients written for such graphs send that one
/// tensor instead of one per column.
/// </summary>
public interface IFeatureTensorModel
{
    /// <summary>The graph input's name (e.g. <c>float_input</c>); null when the model takes one input per column.</summary>
    string? FeatureTensorName { get; }
}
