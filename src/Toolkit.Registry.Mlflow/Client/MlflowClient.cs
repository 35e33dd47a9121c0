namespace Toolkit.Registry.Mlflow;

/// <summary>A typed client of MLflow's REST API 2.0: one connection, one group per resource.</summary>
public interface IMlflowClient : IDisposable
{
    MlflowClientOptions Options { get; }

    IExperimentsClient Experiments { get; }

    IRunsClient Runs { get; }

    IRegisteredModelsClient RegisteredModels { get; }

    IModelVersionsClient ModelVersions { get; }

    IArtifactsClient Artifacts { get; }
}

public interface IExperimentsClient
{
    /// <summary><c>GET experiments/get-by-name</c>; throws <see cref="MlflowNotFoundException"/> when there is none.</summary>
    Task<MlflowExperiment> GetByNameAsync(string name, CancellationToken cancellationToken = default);

    /// <summary><c>POST experiments/create</c>; returns the new experiment id.</summary>
    Task<string> CreateAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The id of the experiment named <paramref name="name"/>, created when missing (safe against a concurrent creator).</summary>
    Task<string> GetOrCreateAsync(string name, CancellationToken cancellationToken = default);
}

public interface IRunsClient
{
    /// <summary><c>POST runs/create</c>.</summary>
    Task<MlflowRun> CreateAsync(NewRun run, CancellationToken cancellationToken = default);

    /// <summary>
    /// <c>POST runs/log-batch</c>, split into requests within MLflow's limits (100 params, 100 tags,
    /// 1000 metrics, 1000 entities per request).
    /// </summary>
    Task LogBatchAsync(string runId, RunBatch batch, CancellationToken cancellationToken = default);

    /// <summary><c>POST runs/update</c> with a status (<c>FINISHED</c>, <c>FAILED</c>, <c>KILLED</c>…) and end time (Unix ms).</summary>
    Task<MlflowRunInfo> UpdateAsync(string runId, string status, long? endTime, CancellationToken cancellationToken = default);
}

public interface IRegisteredModelsClient
{
    /// <summary><c>POST registered-models/create</c>; throws <see cref="MlflowAlreadyExistsException"/> when the name is taken.</summary>
    Task<MlflowRegisteredModel> CreateAsync(string name, IReadOnlyList<MlflowTag>? tags = null, CancellationToken cancellationToken = default);

    /// <summary><c>GET registered-models/get</c>; throws <see cref="MlflowNotFoundException"/> when there is none.</summary>
    Task<MlflowRegisteredModel> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary><c>GET registered-models/search</c>, all pages.</summary>
    Task<IReadOnlyList<MlflowRegisteredModel>> SearchAsync(string? filter = null, CancellationToken cancellationToken = default);

    /// <summary><c>POST registered-models/set-tag</c> (replaces the value of an existing key).</summary>
    Task SetTagAsync(string name, string key, string value, CancellationToken cancellationToken = default);

    /// <summary><c>POST registered-models/alias</c>: points the alias at the version (moving it if set).</summary>
    Task SetAliasAsync(string name, string alias, string version, CancellationToken cancellationToken = default);

    /// <summary><c>DELETE registered-models/alias</c>.</summary>
    Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken = default);

    /// <summary><c>GET registered-models/alias</c>; throws <see cref="MlflowNotFoundException"/> when the alias is not set.</summary>
    Task<MlflowModelVersion> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken = default);
}

public interface IModelVersionsClient
{
    /// <summary><c>POST model-versions/create</c>; the new version usually starts <c>PENDING_REGISTRATION</c>.</summary>
    Task<MlflowModelVersion> CreateAsync(NewModelVersion version, CancellationToken cancellationToken = default);

    /// <summary><c>GET model-versions/get</c>.</summary>
    Task<MlflowModelVersion> GetAsync(string name, string version, CancellationToken cancellationToken = default);

    /// <summary><c>GET model-versions/search</c> with a filter such as <c>name='x'</c>, all pages.</summary>
    Task<IReadOnlyList<MlflowModelVersion>> SearchAsync(string filter, CancellationToken cancellationToken = default);

    /// <summary><c>POST model-versions/set-tag</c>.</summary>
    Task SetTagAsync(string name, string version, string key, string value, CancellationToken cancellationToken = default);
}

/// <summary>The tracking server's artifact proxy (<c>mlflow server --serve-artifacts</c>, the default since MLflow 2.0).</summary>
public interface IArtifactsClient
{
    /// <summary><c>PUT mlflow-artifacts/artifacts/&lt;path&gt;</c>.</summary>
    Task UploadAsync(string artifactPath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary><c>GET mlflow-artifacts/artifacts/&lt;path&gt;</c>; throws <see cref="MlflowNotFoundException"/> when absent.</summary>
    Task<byte[]> DownloadAsync(string artifactPath, CancellationToken cancellationToken = default);
}

/// <inheritdoc cref="IMlflowClient"/>
public sealed class MlflowClient : IMlflowClient
{
    private readonly MlflowConnection _connection;

    /// <param name="options">Validated here: a bad tracking URI fails now, not at the first call.</param>
    /// <param name="timeProvider">Clock for retry back-off (tests pass one that does not sleep).</param>
    /// <param name="handler">Optional HTTP handler (not disposed by the client).</param>
    public MlflowClient(MlflowClientOptions options, TimeProvider? timeProvider = null, HttpMessageHandler? handler = null)
    {
        _connection = new MlflowConnection(options, timeProvider ?? TimeProvider.System, handler);
        Experiments = new ExperimentsClient(_connection);
        Runs = new RunsClient(_connection);
        RegisteredModels = new RegisteredModelsClient(_connection);
        ModelVersions = new ModelVersionsClient(_connection);
        Artifacts = new ArtifactsClient(_connection);
    }

    public MlflowClientOptions Options => _connection.Options;

    public IExperimentsClient Experiments { get; }

    public IRunsClient Runs { get; }

    public IRegisteredModelsClient RegisteredModels { get; }

    public IModelVersionsClient ModelVersions { get; }

    public IArtifactsClient Artifacts { get; }

    public void Dispose() => _connection.Dispose();
}
