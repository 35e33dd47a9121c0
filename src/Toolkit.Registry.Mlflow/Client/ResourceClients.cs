namespace Toolkit.Registry.Mlflow;

internal sealed class ExperimentsClient(MlflowConnection connection) : IExperimentsClient
{
    public async Task<MlflowExperiment> GetByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var envelope = await connection.GetAsync<ExperimentEnvelope>("mlflow/experiments/get-by-name", [new("experiment_name", name)], cancellationToken);
        return envelope.Experiment ?? throw new MlflowApiException($"MLflow returned no experiment for '{name}'.");
    }

    public async Task<string> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        // Retried like an idempotent call: a repeat answers RESOURCE_ALREADY_EXISTS, which GetOrCreate absorbs.
        var response = await connection.SendJsonAsync<CreateExperimentResponse>(HttpMethod.Post, "mlflow/experiments/create", new { name }, idempotent: true, cancellationToken);
        return response.ExperimentId;
    }

    public async Task<string> GetOrCreateAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await GetByNameAsync(name, cancellationToken)).ExperimentId;
        }
        catch (MlflowNotFoundException)
        {
        }

        try
        {
            return await CreateAsync(name, cancellationToken);
        }
        catch (MlflowAlreadyExistsException)
        {
            // Another process (or our own retried request) created it first.
            return (await GetByNameAsync(name, cancellationToken)).ExperimentId;
        }
    }
}

internal sealed class RunsClient(MlflowConnection connection) : IRunsClient
{
    internal const int MaxParamsPerBatch = 100;
    internal const int MaxTagsPerBatch = 100;
    internal const int MaxMetricsPerBatch = 1000;

    public async Task<MlflowRun> CreateAsync(NewRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var envelope = await connection.SendJsonAsync<RunEnvelope>(HttpMethod.Post, "mlflow/runs/create", run, idempotent: false, cancellationToken);
        return envelope.Run ?? throw new MlflowApiException("MLflow runs/create returned no run.");
    }

    public async Task LogBatchAsync(string runId, RunBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentNullException.ThrowIfNull(batch);

        // One kind per request keeps every request under the 1000-entity total as well. Params and
        // tags are idempotent on MLflow (same key and value may be logged again); metrics append, so a
        // retried metrics request can log a value twice at the same timestamp and step, which is harmless.
        foreach (var chunk in batch.Params.Chunk(MaxParamsPerBatch))
        {
            await PostAsync(new { run_id = runId, @params = chunk }, cancellationToken);
        }

        foreach (var chunk in batch.Tags.Chunk(MaxTagsPerBatch))
        {
            await PostAsync(new { run_id = runId, tags = chunk }, cancellationToken);
        }

        foreach (var chunk in batch.Metrics.Chunk(MaxMetricsPerBatch))
        {
            await PostAsync(new { run_id = runId, metrics = chunk }, cancellationToken);
        }
    }

    public async Task<MlflowRunInfo> UpdateAsync(string runId, string status, long? endTime, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        var envelope = await connection.SendJsonAsync<RunInfoEnvelope>(
            HttpMethod.Post, "mlflow/runs/update", new { run_id = runId, status, end_time = endTime }, idempotent: true, cancellationToken);
        return envelope.RunInfo ?? throw new MlflowApiException("MLflow runs/update returned no run_info.");
    }

    private Task<Empty> PostAsync(object body, CancellationToken cancellationToken) =>
        connection.SendJsonAsync<Empty>(HttpMethod.Post, "mlflow/runs/log-batch", body, idempotent: true, cancellationToken);
}

internal sealed class RegisteredModelsClient(MlflowConnection connection) : IRegisteredModelsClient
{
    private const int PageSize = 1000;

    public async Task<MlflowRegisteredModel> CreateAsync(string name, IReadOnlyList<MlflowTag>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var envelope = await connection.SendJsonAsync<RegisteredModelEnvelope>(
            HttpMethod.Post, "mlflow/registered-models/create", new { name, tags }, idempotent: true, cancellationToken);
        return envelope.RegisteredModel ?? throw new MlflowApiException("MLflow registered-models/create returned no registered_model.");
    }

    public async Task<MlflowRegisteredModel> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var envelope = await connection.GetAsync<RegisteredModelEnvelope>("mlflow/registered-models/get", [new("name", name)], cancellationToken);
        return envelope.RegisteredModel ?? throw new MlflowApiException($"MLflow returned no registered model for '{name}'.");
    }

    public async Task<IReadOnlyList<MlflowRegisteredModel>> SearchAsync(string? filter = null, CancellationToken cancellationToken = default)
    {
        var all = new List<MlflowRegisteredModel>();
        string? token = null;
        do
        {
            var page = await connection.GetAsync<RegisteredModelsPage>(
                "mlflow/registered-models/search",
                [new("filter", filter), new("max_results", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("page_token", token)],
                cancellationToken);
            all.AddRange(page.RegisteredModels ?? []);
            token = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (token is not null);
        return all;
    }

    public Task SetTagAsync(string name, string key, string value, CancellationToken cancellationToken = default) =>
        connection.SendJsonAsync<Empty>(HttpMethod.Post, "mlflow/registered-models/set-tag", new { name, key, value }, idempotent: true, cancellationToken);

    public Task SetAliasAsync(string name, string alias, string version, CancellationToken cancellationToken = default) =>
        connection.SendJsonAsync<Empty>(HttpMethod.Post, "mlflow/registered-models/alias", new { name, alias, version }, idempotent: true, cancellationToken);

    public Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken = default) =>
        connection.SendJsonAsync<Empty>(HttpMethod.Delete, "mlflow/registered-models/alias", new { name, alias }, idempotent: true, cancellationToken);

    public async Task<MlflowModelVersion> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken = default)
    {
        var envelope = await connection.GetAsync<ModelVersionEnvelope>("mlflow/registered-models/alias", [new("name", name), new("alias", alias)], cancellationToken);
        return envelope.ModelVersion ?? throw new MlflowApiException($"MLflow returned no model version for alias '{alias}' of '{name}'.");
    }
}

internal sealed class ModelVersionsClient(MlflowConnection connection) : IModelVersionsClient
{
    private const int PageSize = 1000;

    public async Task<MlflowModelVersion> CreateAsync(NewModelVersion version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(version);
        var envelope = await connection.SendJsonAsync<ModelVersionEnvelope>(HttpMethod.Post, "mlflow/model-versions/create", version, idempotent: false, cancellationToken);
        return envelope.ModelVersion ?? throw new MlflowApiException("MLflow model-versions/create returned no model_version.");
    }

    public async Task<MlflowModelVersion> GetAsync(string name, string version, CancellationToken cancellationToken = default)
    {
        var envelope = await connection.GetAsync<ModelVersionEnvelope>("mlflow/model-versions/get", [new("name", name), new("version", version)], cancellationToken);
        return envelope.ModelVersion ?? throw new MlflowApiException($"MLflow returned no model version {version} of '{name}'.");
    }

    public async Task<IReadOnlyList<MlflowModelVersion>> SearchAsync(string filter, CancellationToken cancellationToken = default)
    {
        var all = new List<MlflowModelVersion>();
        string? token = null;
        do
        {
            var page = await connection.GetAsync<ModelVersionsPage>(
                "mlflow/model-versions/search",
                [new("filter", filter), new("max_results", PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("page_token", token)],
                cancellationToken);
            all.AddRange(page.ModelVersions ?? []);
            token = string.IsNullOrEmpty(page.NextPageToken) ? null : page.NextPageToken;
        }
        while (token is not null);
        return all;
    }

    public Task SetTagAsync(string name, string version, string key, string value, CancellationToken cancellationToken = default) =>
        connection.SendJsonAsync<Empty>(HttpMethod.Post, "mlflow/model-versions/set-tag", new { name, version, key, value }, idempotent: true, cancellationToken);
}

internal sealed class ArtifactsClient(MlflowConnection connection) : IArtifactsClient
{
    public Task UploadAsync(string artifactPath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        connection.PutBytesAsync(artifactPath, content, cancellationToken);

    public Task<byte[]> DownloadAsync(string artifactPath, CancellationToken cancellationToken = default) =>
        connection.GetBytesAsync(artifactPath, cancellationToken);
}

/// <summary>MLflow's empty <c>{}</c> response.</summary>
internal sealed record Empty;
