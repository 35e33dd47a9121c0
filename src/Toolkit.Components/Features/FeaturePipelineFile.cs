using System.Text.Json;
using Toolkit.Ml.Features;

namespace Toolkit.Components.Features;

/// <summary>A fitted feature pipeline as a file of its own (the output of <c>features/fit</c>).</summary>
internal static class FeaturePipelineFile
{
    private const string Format = "toolkit-feature-pipeline";

    public static void Save(FeaturePipeline pipeline, string path)
    {
        using var stream = File.Create(path);
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteNumber("version", 1);
        w.WritePropertyName("pipeline");
        pipeline.Write(w);
        w.WriteEndObject();
    }

    public static FeaturePipeline Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var f) || f.GetString() != Format)
        {
            throw new ComponentArgumentException($"'{path}' is not a feature pipeline file (from features/fit).");
        }

        return FeaturePipeline.Read(root.GetProperty("pipeline"));
    }
}
