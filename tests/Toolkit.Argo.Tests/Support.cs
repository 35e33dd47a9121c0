using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Diabetes.Features;
using Json.Schema;
using Toolkit.Components;
using Toolkit.Ml.Features;
using Toolkit.Pipelines.Project;
using Toolkit.Pipelines.Spec;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Toolkit.Argo.Tests;

/// <summary>The repository's files and a compile with fixed options, for tests.</summary>
internal static class Repo
{
    public const string Digest = "sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
    public const string Image = "registry.example.com/toolkit/components@" + Digest;

    public static string Root { get; } = FindRoot();

    // The diabetes team's transform, loaded as toolkit.yaml's components: would load it (validate checks transforms: by name).
    private static readonly IDisposable TeamTransforms = TeamTransformCatalog.Register(new TeamTransform(
        new ClinicalFeatures(), "Diabetes.Features", "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(typeof(ClinicalFeatures).Assembly.Location)))));

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Toolkit.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Toolkit.sln not found above the test folder.");
    }

    public static PipelineSpec Load(string relative) => Parse(File.ReadAllText(PathOf(relative)), relative);

    public static PipelineSpec Parse(string yaml, string file = "test.yaml")
    {
        GC.KeepAlive(TeamTransforms);
        var loaded = PipelineLoader.Load(yaml, file);
        loaded.Diagnostics.Should().BeEmpty();
        PipelineValidator.Validate(loaded.Spec!, BuiltInComponents.Create()).Should().BeEmpty();
        return loaded.Spec!;
    }

    public static ArgoCompileOptions Options(string? image = Image) => new()
    {
        Image = image,
        GitCommit = "3e172c5a0cd6f27a90ec6c948df988544cdaf6f7",
        ToolkitVersion = "1.0.0",
        ProjectDirectory = Root,
    };

    public static Task<ArgoWorkflow> CompileAsync(PipelineSpec spec, ArgoCompileOptions? options = null, ArgoSettings? settings = null) =>
        new ArgoCompiler(BuiltInComponents.Create(), settings ?? new ArgoSettings()).CompileAsync(spec, options ?? Options());
}

/// <summary>YAML as JSON the way Kubernetes reads it: plain integers, booleans and null typed, everything else a string.</summary>
internal static class YamlJson
{
    public static JsonNode Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        stream.Documents.Should().HaveCount(1);
        return Node(stream.Documents[0].RootNode)!;
    }

    private static JsonNode? Node(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Node(c.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(Node)]),
        YamlScalarNode s when s.Style == ScalarStyle.Plain => s.Value switch
        {
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            "null" or "~" or "" => null,
            var v when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            var v => JsonValue.Create(v),
        },
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new InvalidOperationException("unexpected YAML node"),
    };
}

/// <summary>Argo's own JSON schema (tests/Toolkit.Argo.Tests/schema, from argo-workflows v4.1.2).</summary>
internal static class ArgoSchema
{
    private static readonly Lazy<(BuildOptions Options, string Id)> Loaded = new(() =>
    {
        var file = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "schema"), "*.schema.json").Single();
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry(), Dialect = Dialect.Draft202012 };
        var text = File.ReadAllText(file);
        var schema = JsonSchema.FromText(text, options);
        var id = JsonNode.Parse(text)!["$id"]!.GetValue<string>();
        options.SchemaRegistry.Register(new Uri(id), schema);
        return (options, id);
    });

    /// <summary>Every schema error of <paramref name="resource"/> as the kind it says it is (Workflow or WorkflowTemplate).</summary>
    public static IReadOnlyList<string> Errors(JsonNode resource)
    {
        var (options, id) = Loaded.Value;
        var kind = resource["kind"]!.GetValue<string>();
        var wrapper = JsonSchema.FromText(
            $$"""{"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "{{id}}#/definitions/io.argoproj.workflow.v1alpha1.{{kind}}"}""",
            options);
        using var doc = JsonDocument.Parse(resource.ToJsonString());
        var result = wrapper.Evaluate(doc.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (result.IsValid)
        {
            return [];
        }

        var errors = (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key}: {e.Value}"))
            .ToList();
        return errors.Count > 0 ? errors : ["invalid (no detail)"];
    }
}
