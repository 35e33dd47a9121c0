using k8s;
using Toolkit.Argo.Submit;

namespace Toolkit.Argo.Tests;

/// <summary>Submit and watch against the stand-in Kubernetes API on 127.0.0.1, through KubernetesClient.</summary>
public sealed class ArgoSubmitterTests : IDisposable
{
    private readonly FakeKubernetes _api = new();
    private readonly Kubernetes _client;

    public ArgoSubmitterTests()
    {
        _client = new Kubernetes(new KubernetesClientConfiguration { Host = _api.Url });
    }

    public void Dispose()
    {
        _client.Dispose();
        _api.Dispose();
    }

    [Fact]
    public async Task CreateAsync_CompiledWorkflow_ServerHoldsExactlyTheCompiledObject()
    {
        var workflow = await Repo.CompileAsync(Repo.Load("pipelines/sales.yaml"));

        var submitted = await new ArgoSubmitter(_client).CreateAsync(workflow.Json, "ml", CancellationToken.None);

        submitted.Name.Should().StartWith("sales-").And.HaveLength("sales-".Length + 5);
        submitted.Uid.Should().NotBeNullOrEmpty();
        var stored = _api.Created("ml", submitted.Name)!;
        stored["spec"]!.ToJsonString().Should().Be(workflow.Json["spec"]!.ToJsonString());
        stored["metadata"]!["labels"]!["toolkit.io/pipeline"]!.GetValue<string>().Should().Be("sales");
        _api.Requests.Should().Equal("POST /apis/argoproj.io/v1alpha1/namespaces/ml/workflows");
    }

    [Fact]
    public async Task WatchAsync_AllStepsSucceed_ReportsEachPhaseChangeAndSucceeds()
    {
        _api.Script = wf => FakeKubernetes.Progress(wf);
        var submitter = new ArgoSubmitter(_client);
        var submitted = await submitter.CreateAsync((await Repo.CompileAsync(Repo.Load("pipelines/sales.yaml"))).Json, "ml", CancellationToken.None);
        var changes = new List<string>();

        var result = await submitter.WatchAsync(submitted, t => changes.Add($"{t.Task} {t.Phase}"), CancellationToken.None);

        result.Succeeded.Should().BeTrue();
        changes.Should().Equal(
            "preprocess Running", "preprocess Succeeded", "train-forest Running", "train-forest Succeeded",
            "train-lasso Running", "train-lasso Succeeded", "compare Running", "compare Succeeded");
        result.Tasks["compare"].FinishedAt.Should().NotBeNull();
        _api.Requests.Last().Should().Contain("watch=true").And.Contain("fieldSelector=metadata.name%3D" + submitted.Name);
    }

    [Fact]
    public async Task WatchAsync_AStepFails_ResultIsFailedWithTheStepAndMessage()
    {
        _api.Script = wf => FakeKubernetes.Progress(wf, failing: "train-lasso");
        var submitter = new ArgoSubmitter(_client);
        var submitted = await submitter.CreateAsync((await Repo.CompileAsync(Repo.Load("pipelines/sales.yaml"))).Json, "ml", CancellationToken.None);

        var result = await submitter.WatchAsync(submitted, _ => { }, CancellationToken.None);

        result.Succeeded.Should().BeFalse();
        result.Phase.Should().Be("Failed");
        result.Message.Should().Contain("train-lasso");
        result.Tasks["train-lasso"].Phase.Should().Be("Failed");
        result.Tasks["train-lasso"].Message.Should().Contain("exit code 1");
        result.Tasks.Should().NotContainKey("compare", "the workflow stopped before it");
    }

    [Fact]
    public async Task CreateAsync_NameExists_RefusedAsBadInputNamingIt()
    {
        var workflow = (await Repo.CompileAsync(Repo.Load("pipelines/housing.yaml"))).Json;
        var named = workflow.DeepClone().AsObject();
        named["metadata"]!.AsObject().Remove("generateName");
        named["metadata"]!["name"] = "housing-fixed";
        var submitter = new ArgoSubmitter(_client);
        await submitter.CreateAsync(named, "ml", CancellationToken.None);

        var again = () => submitter.CreateAsync(named, "ml", CancellationToken.None);

        var error = (await again.Should().ThrowAsync<ArgoSubmitException>()).Which;
        error.IsBadInput.Should().BeTrue();
        error.Message.Should().Contain("'housing-fixed' already exists in namespace 'ml'");
        _api.All.Should().ContainSingle();
    }

    [Fact]
    public async Task CreateAsync_WorkflowTemplate_Refused()
    {
        var template = (await Repo.CompileAsync(Repo.Load("pipelines/housing.yaml"), Repo.Options() with { Kind = ArgoCompiler.TemplateKind })).Json;

        var act = () => new ArgoSubmitter(_client).CreateAsync(template, "ml", CancellationToken.None);

        (await act.Should().ThrowAsync<ArgoSubmitException>()).Which.IsBadInput.Should().BeTrue();
        _api.Requests.Should().BeEmpty();
    }

    [Fact]
    public async Task Json_OfTheCompiledTree_IsTheYamlAsKubernetesReadsIt()
    {
        var workflow = await Repo.CompileAsync(Repo.Load("pipelines/diabetes.yaml"));

        workflow.Json.ToJsonString().Should().Be(YamlJson.Convert(workflow.Yaml).ToJsonString());
    }
}
