namespace Toolkit.Ml.Data;

/// <summary>Physical type of a column.</summary>
public enum ColumnType
{
    /// <summary>32-bit floats; the default for numeric data (half the memory of doubles).</summary>
    Float32,

    /// <summary>64-bit floats, for values that need the precision (e.g. money as a target).</summary>
    Float64,

    /// <summary>Text values stored as dictionary codes; code -1 is missing.</summary>
    Categorical,
}

/// <summary>What a column is for.</summary>
public enum ColumnRole
{
    Feature,
    Label,
    Ignore,
}
