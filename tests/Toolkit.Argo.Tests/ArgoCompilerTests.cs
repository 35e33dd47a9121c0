using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Toolkit.Pipelines.Planning;
using Toolkit.Pipelines.Project;

namespace Toolkit.Argo.Tests;

public sealed partial class ArgoCompilerTests
{
    public static TheoryData<string, string> ReferencePipelines() => new()
    {
        { "pipelines/diabetes.yaml", ArgoCompiler.WorkflowKind },
        { "pipelines/housing.yaml", ArgoCompiler.WorkflowKind },
        { "pipelines/sales.yaml", ArgoCompiler.WorkflowKind },
        { "pipelines/diabetes.yaml", ArgoCompiler.TemplateKind },
        { "pipelines/sales.yaml", ArgoCompiler.TemplateKind },
        { "pipelines/housing.yaml", ArgoCompiler.TemplateKind },
    };

    [Theory]
    [MemberData(nameof(ReferencePipelines))]
    public async Task CompileAsync_ReferencePipeline_ValidAgainstArgoSchema(string pipeline, string kind)
    {
        var workflow = await Repo.CompileAsync(Repo.Load(pipeline), Repo.Options() with { Kind = kind, Namespace = "ml" });

        var json = YamlJson.Convert(workflow.Yaml);

        json["kind"]!.GetValue<string>().Should().Be(kind);
        ArgoSchema.Errors(json).Should().BeEmpty();
    }

    [Theory]
    [MemberData(nameof(ReferencePipelines))]
    public async Task CompileAsync_ReferencePipeline_DagIsThePipelines(string pipeline, string kind)
    {
        var spec = Repo.Load(pipeline);
        var workflow = YamlJson.Convert((await Repo.CompileAsync(spec, Repo.Options() with { Kind = kind })).Yaml);

        WorkflowRules.Problems(workflow).Should().BeEmpty();

        // Same steps, and each task's dependencies are exactly the pipeline's (its inputs, needs and expressions).
        var graph = PipelineGraph.Build(spec);
        var tasks = WorkflowRules.Tasks(workflow);
        tasks.Keys.Should().BeEquivalentTo(graph.Steps);
        foreach (var step in graph.Steps)
        {
            WorkflowRules.Dependencies(tasks[step]).Should().BeEquivalentTo(graph.DependenciesOf(step), $"task {step}");
        }
    }

    [Fact]
    public async Task CompileAsync_SameInputTwice_SameBytes()
    {
        var first = await Repo.CompileAsync(Repo.Load("pipelines/diabetes.yaml"));
        var second = await Repo.CompileAsync(Repo.Load("pipelines/diabetes.yaml"));

        second.Yaml.Should().Be(first.Yaml);
        first.Yaml.Should().Contain("# step train-forest: train/random-forest (pipelines/diabetes.yaml:", "comments name the source step");
    }

    [Fact]
    public async Task CompileAsync_ChangedParameterDefault_ChangesOnlyThatValue()
    {
        var spec = Repo.Load("pipelines/housing.yaml");
        var baseline = await Repo.CompileAsync(spec);
        var overridden = await Repo.CompileAsync(spec, Repo.Options() with { Params = new Dictionary<string, string> { ["rows"] = "500" } });

        var parameters = YamlJson.Convert(overridden.Yaml)["spec"]!["arguments"]!["parameters"]!.AsArray();
        parameters.Single(p => p!["name"]!.GetValue<string>() == "rows")!["value"]!.GetValue<string>().Should().Be("500");
        Diff(baseline.Yaml, overridden.Yaml).Should().ContainSingle().Which.Should().Contain("500");
    }

    [Fact]
    public async Task CompileAsync_ComponentStep_RunsTheComponentsEntrypointWithWorkflowParameters()
    {
        var workflow = YamlJson.Convert((await Repo.CompileAsync(Repo.Load("pipelines/housing.yaml"))).Yaml);

        var ingest = Template(workflow, "ingest")["container"]!;
        ingest["image"]!.GetValue<string>().Should().Be(Repo.Image);
        Strings(ingest["command"]!).Should().Equal(ArgoCompiler.ComponentEntrypoint);
        var args = Strings(ingest["args"]!);
        args[0].Should().Be("data/synthesize");
        args.Should().Contain("rows={{workflow.parameters.rows}}").And.Contain("seed={{workflow.parameters.seed}}").And.Contain("generator=housing");
        args.SkipWhile(a => a != "--output").Skip(1).First().Should().Be("dataset=/out/dataset");
        var env = ingest["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
        env.Should().Contain("TOOLKIT_STEP", "ingest").And.Contain("TOOLKIT_VALUES", "/out/_values.json").And.Contain("TOOLKIT_RUN_ID", "{{workflow.name}}");

        var evaluate = Template(workflow, "evaluate");
        Strings(evaluate["container"]!["args"]!).Should().ContainInOrder("--input", "models=/in/models/0/models", "--input", "models=/in/models/1/models");
        evaluate["inputs"]!["artifacts"]!.AsArray().Select(a => a!["path"]!.GetValue<string>()).Should().Contain("/in/models/1/models");
    }

    [Fact]
    public async Task CompileAsync_GateStep_CarriesThePolicyFileAsRawArtifact()
    {
        var workflow = YamlJson.Convert((await Repo.CompileAsync(Repo.Load("pipelines/diabetes.yaml"))).Yaml);

        var gate = Template(workflow, "gate");
        var policy = gate["inputs"]!["artifacts"]!.AsArray().Single(a => a!["raw"] is not null)!;
        policy["path"]!.GetValue<string>().Should().Be("/project/models/diabetes/model.yaml");
        policy["raw"]!["data"]!.GetValue<string>().Should().Be(File.ReadAllText(Repo.PathOf("models/diabetes/model.yaml")));
        gate["container"]!["workingDir"]!.GetValue<string>().Should().Be("/project");
    }

    [Fact]
    public async Task CompileAsync_MemoKey_FollowsUpstreamChanges()
    {
        var spec = Repo.Load("pipelines/housing.yaml");
        var yaml = (await Repo.CompileAsync(spec)).Yaml;
        var changed = File.ReadAllText(Repo.PathOf("pipelines/housing.yaml")).Replace("test_fraction: 0.25", "test_fraction: 0.3", StringComparison.Ordinal);
        var other = (await Repo.CompileAsync(Repo.Parse(changed, "pipelines/housing.yaml"))).Yaml;

        string Key(string y, string step) => Template(YamlJson.Convert(y), step)["memoize"]!["key"]!.GetValue<string>();
        Key(other, "ingest").Should().Be(Key(yaml, "ingest"), "nothing upstream of ingest changed");
        Key(other, "split").Should().NotBe(Key(yaml, "split"));
        Key(other, "train-lasso").Should().NotBe(Key(yaml, "train-lasso"), "its input comes from the changed split");
        Key(yaml, "ingest").Should().MatchRegex(@"^toolkit-[0-9a-f]{32}-\{\{workflow\.parameters\.rows\}\}-\{\{workflow\.parameters\.seed\}\}$");
    }

    [Fact]
    public async Task CompileAsync_RetriesTimeoutResources_MapToArgoFields()
    {
        var spec = Repo.Parse("""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: knobs
            params: { rows: 100 }
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: housing, rows: "${{ params.rows }}", seed: 1 }
                retries: { count: 3, backoff: 10s }
                timeout: 90m
                resources: { cpu: 1.5, memory: 2Gi }
                cache: false
            """);

        var workflow = YamlJson.Convert((await Repo.CompileAsync(spec)).Yaml);

        var ingest = Template(workflow, "ingest");
        ingest["retryStrategy"]!["limit"]!.GetValue<string>().Should().Be("3");
        ingest["retryStrategy"]!["backoff"]!["duration"]!.GetValue<string>().Should().Be("10s");
        ingest["retryStrategy"]!["backoff"]!["factor"]!.GetValue<string>().Should().Be("2");
        ingest["activeDeadlineSeconds"]!.GetValue<string>().Should().Be("5400");
        ingest["container"]!["resources"]!["limits"]!["cpu"]!.GetValue<string>().Should().Be("1500m");
        ingest["container"]!["resources"]!["requests"]!["memory"]!.GetValue<string>().Should().Be("2048Mi");
        ingest["memoize"].Should().BeNull("cache: false");
        ArgoSchema.Errors(workflow).Should().BeEmpty();
    }

    [Fact]
    public async Task CompileAsync_When_TranslatesToAnExpressionOnUpstreamValues()
    {
        var spec = Repo.Parse("""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: conditional
            params: { rows: 1000, publish: true }
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: housing, rows: "${{ params.rows }}", seed: 1 }
              - name: validate
                uses: data/validate
                inputs: { dataset: ingest.dataset }
                with: { label: price }
              - name: split
                uses: data/split
                when: "steps.validate.outputs.rows >= 500 && (params.publish || params.rows > 10)"
                inputs: { dataset: ingest.dataset }
            """);

        var workflow = YamlJson.Convert((await Repo.CompileAsync(spec)).Yaml);

        var split = WorkflowRules.Tasks(workflow)["split"];
        split["when"]!.GetValue<string>().Should().Be(
            "{{= jsonpath(tasks['validate'].outputs.parameters['values'], '$.rows') >= 500 && "
            + "((workflow.parameters['publish'] == 'true') || asFloat(workflow.parameters['rows']) > 10) }}");
        WorkflowRules.Dependencies(split).Should().Contain("validate");
        WorkflowRules.Problems(workflow).Should().BeEmpty();
        ArgoSchema.Errors(workflow).Should().BeEmpty();
    }

    [Theory]
    [InlineData("steps.validate.outputs.rows", "truth value")]
    [InlineData("steps.validate.outputs.report != ''", "artifact")]
    public async Task CompileAsync_WhenArgoCannotExpress_RefusedNamingFileLineAndStep(string when, string reason)
    {
        var spec = Repo.Parse($$"""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: conditional
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: housing, rows: 100, seed: 1 }
              - name: validate
                uses: data/validate
                inputs: { dataset: ingest.dataset }
                with: { label: price }
              - name: split
                uses: data/split
                when: "{{when}}"
                inputs: { dataset: ingest.dataset }
            """, "pipelines/conditional.yaml");

        var act = () => Repo.CompileAsync(spec);

        (await act.Should().ThrowAsync<ArgoCompileException>())
            .Which.Message.Should().StartWith("pipelines/conditional.yaml:14:").And.Contain("step 'split'").And.Contain(reason);
    }

    [Fact]
    public async Task CompileAsync_TagWithoutDigest_RefusedUnlessAllowed()
    {
        var spec = Repo.Load("pipelines/housing.yaml");
        const string tagged = "registry.example.com/toolkit/components:1.0";

        var refused = () => Repo.CompileAsync(spec, Repo.Options(tagged));
        (await refused.Should().ThrowAsync<ArgoCompileException>()).Which.Message.Should().Contain("not pinned by digest").And.Contain("--allow-tag");

        var allowed = await Repo.CompileAsync(spec, Repo.Options(tagged) with { AllowTag = true });
        Template(YamlJson.Convert(allowed.Yaml), "split")["container"]!["image"]!.GetValue<string>().Should().Be(tagged);
    }

    [Fact]
    public async Task CompileAsync_NoImageAnywhere_ErrorSaysWhereToSetIt()
    {
        var act = () => Repo.CompileAsync(Repo.Load("pipelines/housing.yaml"), Repo.Options(image: null));

        (await act.Should().ThrowAsync<ArgoCompileException>()).Which.Message.Should().Contain("--image").And.Contain("toolkit.yaml");
    }

    [Fact]
    public async Task CompileAsync_ProjectSettings_FillTheClusterSide()
    {
        var folder = Directory.CreateTempSubdirectory("toolkit-argo-");
        try
        {
            var file = Path.Combine(folder.FullName, "toolkit.yaml");
            File.WriteAllText(file, $"""
                apiVersion: toolkit/v1
                kind: Project
                argo:
                  image: {Repo.Image}
                  namespace: ml-pipelines
                  service_account: toolkit-runner
                  image_pull_secrets: [registry-credentials]
                  artifact_repository: {"{"} config_map: artifact-repositories, key: minio {"}"}
                  pod_gc: OnWorkflowSuccess
                  parallelism: 3
                  memoize_max_age: 48h
                """);
            var settings = ProjectSettings.Load(file);

            var workflow = YamlJson.Convert((await Repo.CompileAsync(Repo.Load("pipelines/housing.yaml"), Repo.Options(image: null), settings.Argo)).Yaml);

            var spec = workflow["spec"]!;
            workflow["metadata"]!["namespace"]!.GetValue<string>().Should().Be("ml-pipelines");
            spec["serviceAccountName"]!.GetValue<string>().Should().Be("toolkit-runner");
            spec["imagePullSecrets"]![0]!["name"]!.GetValue<string>().Should().Be("registry-credentials");
            spec["artifactRepositoryRef"]!["configMap"]!.GetValue<string>().Should().Be("artifact-repositories");
            spec["artifactRepositoryRef"]!["key"]!.GetValue<string>().Should().Be("minio");
            spec["podGC"]!["strategy"]!.GetValue<string>().Should().Be("OnWorkflowSuccess");
            spec["parallelism"]!.GetValue<long>().Should().Be(3);
            Template(workflow, "ingest")["memoize"]!["maxAge"]!.GetValue<string>().Should().Be("48h");
            Template(workflow, "ingest")["container"]!["image"]!.GetValue<string>().Should().Be(Repo.Image);
            ArgoSchema.Errors(workflow).Should().BeEmpty();
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CompileAsync_RunStep_OwnImageCommandWithContainerPathsAndTheEnvironmentContract()
    {
        var spec = Repo.Parse("""
            apiVersion: toolkit/v1
            kind: Pipeline
            name: scoring
            params: { greeting: hello }
            steps:
              - name: ingest
                uses: data/synthesize
                with: { generator: housing, rows: 100, seed: 1 }
              - name: custom
                run: python score.py ${{ inputs.data }} > ${{ outputs.scores }} && echo ${{ params.greeting }}
                image: team/python@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0
                inputs: { data: ingest.dataset }
                outputs: [scores]
                env: { MODE: fast }
              - name: report
                uses: data/validate
                needs: [custom]
                when: ${{ params.greeting != 'skip' }}
                inputs: { dataset: ingest.dataset }
                with: { label: price }
            """);

        var workflow = YamlJson.Convert((await Repo.CompileAsync(spec)).Yaml);

        var custom = Template(workflow, "custom");
        custom["container"]!["image"]!.GetValue<string>().Should().StartWith("team/python@sha256:");
        Strings(custom["container"]!["command"]!).Should().Equal("/bin/sh", "-c");
        Strings(custom["container"]!["args"]!).Should().Equal("python score.py /in/data/0/data > /out/scores && echo {{workflow.parameters.greeting}}");
        var env = custom["container"]!["env"]!.AsArray().ToDictionary(e => e!["name"]!.GetValue<string>(), e => e!["value"]!.GetValue<string>());
        env.Should().Contain("TOOLKIT_INPUT_DATA", "/in/data/0/data").And.Contain("TOOLKIT_OUTPUT_SCORES", "/out/scores")
            .And.Contain("TOOLKIT_VALUES", "/out/_values.json").And.Contain("TOOLKIT_WORK", "/work").And.Contain("MODE", "fast");
        custom["outputs"]!["artifacts"]![0]!["path"]!.GetValue<string>().Should().Be("/out/scores");
        WorkflowRules.Dependencies(WorkflowRules.Tasks(workflow)["report"]).Should().BeEquivalentTo("custom", "ingest");
        WorkflowRules.Problems(workflow).Should().BeEmpty();
        ArgoSchema.Errors(workflow).Should().BeEmpty();
    }

    [Theory]
    [InlineData("1.0.0+build/7", "1.0.0_build_7")]
    [InlineData("-weird-", "weird")]
    public void LabelValue_AnyText_ValidKubernetesLabelValue(string text, string expected)
    {
        var value = ArgoCompiler.LabelValue(text);

        value.Should().Be(expected);
        LabelPattern().IsMatch(value).Should().BeTrue();
    }

    [Fact]
    public void LabelValue_LongText_AtMost63Characters()
    {
        var value = ArgoCompiler.LabelValue(new string('a', 70) + "-b");

        value.Length.Should().BeLessThanOrEqualTo(63);
        LabelPattern().IsMatch(value).Should().BeTrue();
    }

    [Fact]
    public async Task CompileAsync_SchemaCheck_CatchesAnInvalidWorkflow()
    {
        // The schema check itself must be able to fail: a template with a container but no image is refused.
        var workflow = YamlJson.Convert((await Repo.CompileAsync(Repo.Load("pipelines/housing.yaml"))).Yaml);
        Template(workflow, "split")["container"]!.AsObject().Remove("image");
        workflow["spec"]!["parallelism"] = "many";

        ArgoSchema.Errors(workflow).Should().NotBeEmpty();
    }

    internal static JsonNode Template(JsonNode workflow, string name) =>
        workflow["spec"]!["templates"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == name)!;

    private static List<string> Strings(JsonNode array) => [.. array.AsArray().Select(a => a!.GetValue<string>())];

    private static List<string> Diff(string a, string b)
    {
        var left = a.Split('\n');
        var right = b.Split('\n');
        left.Length.Should().Be(right.Length);
        return [.. left.Zip(right).Where(p => p.First != p.Second).Select(p => p.Second)];
    }

    [GeneratedRegex(@"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelPattern();
}
