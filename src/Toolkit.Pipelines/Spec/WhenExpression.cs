namespace Toolkit.Pipelines.Spec;

/// <summary><c>when:</c> takes an expression with or without the <c>${{ }}</c> wrapper.</summary>
internal static class WhenExpression
{
    public static string Wrap(string text)
    {
        var t = text.Trim();
        return t.StartsWith("${{", StringComparison.Ordinal) ? t : "${{ " + t + " }}";
    }
}
