using Toolkit.Ml.Models;
using Toolkit.Models;

namespace Toolkit.Registry;

/// <summary>
/// What a version's model file is called wherever it is written (registry store, MLflow artifact, download,
/// deployment): its flavor's extension, so an ML.NET model stays a <c>.zip</c> and an ONNX graph an <c>.onnx</c>.
/// </summary>
public static class ModelFileNames
{
    /// <summary>The extension (with its dot) of <paramref name="flavor"/>'s files.</summary>
    public static string Extension(string flavor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(flavor);
        var format = ModelLoader.Formats.All.FirstOrDefault(f => f.Flavor == flavor);
        if (format is not null)
        {
            return format.Extension;
        }

        // A version recorded by a build that reads more flavors than this one: still named by its flavor.
        return flavor switch
        {
            ModelFlavors.Tkm => ".tkm",
            ModelFlavors.MlNet => ".zip",
            ModelFlavors.Onnx => ".onnx",
            _ => ".model",
        };
    }

    /// <summary><paramref name="stem"/> with <paramref name="flavor"/>'s extension.</summary>
    public static string Of(string stem, string flavor) => stem + Extension(flavor);

    /// <summary>The file name a downloaded <paramref name="version"/> gets: <c>&lt;model&gt;-v&lt;N&gt;&lt;ext&gt;</c>.</summary>
    public static string Of(ModelVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return Of(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{version.Model}-v{version.Version}"), version.Flavor);
    }
}
