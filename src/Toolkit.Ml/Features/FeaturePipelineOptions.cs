namespace Toolkit.Ml.Features;

/// <summary>How missing values are filled, from statistics of the training rows only.</summary>
public enum Imputation
{
    /// <summary>Numeric: NaN is kept (tree models route it). Categorical: all-zero one-hot.</summary>
    None,

    /// <summary>Numeric only: the mean of the non-missing training values.</summary>
    Mean,

    /// <summary>Numeric only: the median of the non-missing training values (mean of the middle two).</summary>
    Median,

    /// <summary>The most frequent training value; ties go to the smallest number or the ordinally first text.</summary>
    MostFrequent,
}

/// <summary>How numeric features (inputs and derived) are rescaled after imputation.</summary>
public enum Scaling
{
    None,

    /// <summary>(x - mean) / population standard deviation; a constant column gets scale 1.</summary>
    Standardize,

    /// <summary>(x - min) / (max - min), so training values land in [0, 1]; new values are not clipped.</summary>
    MinMax,
}

/// <summary>What to do with a category that the training rows never showed.</summary>
public enum UnknownCategory
{
    /// <summary>All-zero one-hot, like a missing value.</summary>
    Ignore,

    /// <summary>Throw a DataFormatException naming the column, the row and the value.</summary>
    Error,
}

/// <summary>Operation of a <see cref="DerivedFeatureSpec"/>.</summary>
public enum DerivedOp
{
    /// <summary>Left * Right.</summary>
    Product,

    /// <summary>Left / Right; NaN when Right is 0.</summary>
    Ratio,

    /// <summary>Left - Right.</summary>
    Difference,

    /// <summary>ln(1 + Left); NaN when Left &lt;= -1.</summary>
    Log1p,

    /// <summary>Left * Left.</summary>
    Square,
}

/// <summary>
/// Adds a one-hot of the bucket that a numeric column's raw value falls in. Boundaries b0 &lt; b1 &lt; ...
/// make buckets (-inf, b0), [b0, b1), ..., [bk, +inf): a value exactly on a boundary goes to the upper
/// bucket. A missing value sets no bucket. One-hot rather than an ordinal so that linear models can
/// fit a step shape; the raw column stays in the output as well. Output names are
/// <c>column_bucket(-inf,b0)</c>, <c>column_bucket[b0,b1)</c>, ..., <c>column_bucket[bk,inf)</c>.
/// </summary>
public sealed record BucketizeSpec(string Column, IReadOnlyList<double> Boundaries);

/// <summary>
/// A feature computed from raw numeric columns (or earlier derived features) before imputation and
/// scaling; the result is then imputed and scaled like any numeric column. NaN in any operand gives
/// NaN; a zero divisor, a log of a value &lt;= -1 and any non-finite result also give NaN.
/// <paramref name="Right"/> is required for Product, Ratio and Difference and must be null otherwise.
/// </summary>
public sealed record DerivedFeatureSpec(string Name, DerivedOp Op, string Left, string? Right = null);

/// <summary>
/// Choices of the feature pipeline. Categorical columns always become one-hot columns
/// (<c>column=value</c>), one per training category in ordinal order of the text.
/// </summary>
public sealed record FeaturePipelineOptions
{
    public Imputation NumericImputation { get; init; } = Imputation.Median;

    /// <summary>None (missing category: all-zero one-hot) or MostFrequent.</summary>
    public Imputation CategoricalImputation { get; init; } = Imputation.None;

    /// <summary>
    /// Adds <c>column_missing</c> (1 when the raw value is missing) for each input or derived column that
    /// had at least one missing value in the training rows; a column never missing in training would
    /// give a constant feature.
    /// </summary>
    public bool AddMissingIndicators { get; init; }

    public Scaling Scaling { get; init; } = Scaling.Standardize;

    public UnknownCategory UnknownCategory { get; init; } = UnknownCategory.Ignore;

    /// <summary>
    /// One-hot columns per categorical column. When the training rows hold more categories, the most
    /// frequent MaxCategories - 1 keep their own column and the rest share one <c>column=&lt;other&gt;</c>
    /// column (ties in frequency: ordinally first text wins).
    /// </summary>
    public int MaxCategories { get; init; } = 100;

    public IReadOnlyList<BucketizeSpec> Buckets { get; init; } = [];

    public IReadOnlyList<DerivedFeatureSpec> Derived { get; init; } = [];

    /// <summary>Linear models: median imputation and standardization.</summary>
    public static FeaturePipelineOptions ForLinearModels { get; } = new()
    {
        NumericImputation = Imputation.Median,
        Scaling = Scaling.Standardize,
    };

    /// <summary>Tree ensembles: no imputation (NaN is kept for the trees to route), no scaling, one-hot categoricals.</summary>
    public static FeaturePipelineOptions ForTrees { get; } = new()
    {
        NumericImputation = Imputation.None,
        CategoricalImputation = Imputation.None,
        Scaling = Scaling.None,
    };
}
