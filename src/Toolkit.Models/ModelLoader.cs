using Toolkit.Ml.Models;

namespace Toolkit.Models;

/// <summary>
/// The one place that lists the model flavors a program reads. Every command, component, server and
/// registry backend that opens a model for scoring opens it here, so adding a flavor is one line.
/// </summary>
public static class ModelLoader
{
    public static ModelFormats Formats { get; } = new(
    [
        // One line per flavor.
        TkmFormat.Instance,
        Toolkit.Ml.MlNet.MlNetFormat.Instance,
        Toolkit.Ml.Onnx.OnnxFormat.Instance,
    ]);

    /// <summary>Opens a model file of any flavor (recognised from its first bytes).</summary>
    public static IScoringModel Load(string path) => Formats.Load(path);

    /// <summary>Reads a model of any flavor from <paramref name="stream"/>; <paramref name="sourceName"/> names it in errors.</summary>
    public static IScoringModel Read(Stream stream, string sourceName) => Formats.Read(stream, sourceName);
}
