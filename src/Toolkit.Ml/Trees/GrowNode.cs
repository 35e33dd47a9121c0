namespace Toolkit.Ml.Trees;

/// <summary>
/// A node of the tree being grown: its rows are <c>[Begin, End)</c> of the row partition, with their
/// gradient and hessian sums, its histogram while it may still split, and its best split.
/// </summary>
internal sealed class GrowNode(int id, int begin, int end, double g, double h, int depth)
{
    public int Id { get; } = id;

    public int Begin { get; } = begin;

    public int End { get; } = end;

    public double G { get; } = g;

    public double H { get; } = h;

    public int Depth { get; } = depth;

    /// <summary>Where the right child's rows start once the node is partitioned.</summary>
    public int Split { get; set; }

    /// <summary>A child of a last split: its rows are not partitioned out of the parent's range.</summary>
    public bool Routed { get; init; }

    public double[]? Hist { get; set; }

    public SplitInfo Best { get; set; } = SplitInfo.None;
}
