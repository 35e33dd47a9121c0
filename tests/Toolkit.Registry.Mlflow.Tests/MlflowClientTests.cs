using System.Net;
using System.Text;
using System.Text.Json;

namespace Toolkit.Registry.Mlflow.Tests;

public sealed class MlflowClientTests
{
    [Fact]
    public async Task Retries_Two503sThenSuccess_SucceedsWithExponentialBackoffOnTheInjectedClock()
    {
        await using var f = new MlflowFixture(maxRetries: 3);
        await f.Client.RegisteredModels.CreateAsync("m");
        f.Server.FailNext(2, 503);

        var model = await f.Client.RegisteredModels.GetAsync("m");

        model.Name.Should().Be("m");
        f.Server.RequestsTo("registered-models/get").Should().HaveCount(3);

        // Base delay 1 s, doubling, no jitter; the InstantTimeProvider fired the timers at once.
        f.Time.Delays.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Retries_429AndNetworkLikeFailures_AreRetriedForIdempotentCalls()
    {
        await using var f = new MlflowFixture(maxRetries: 3);
        await f.Client.RegisteredModels.CreateAsync("m");
        f.Server.FailNext(1, 429, errorCode: "REQUEST_LIMIT_EXCEEDED");
        f.Server.FailNext(1, 502, errorCode: null, rawBody: "<html>Bad Gateway</html>");

        await f.Client.RegisteredModels.SetTagAsync("m", "k", "v");

        f.Server.ModelTags("m")["k"].Should().Be("v");
        f.Server.RequestsTo("registered-models/set-tag").Should().HaveCount(3);
    }

    [Fact]
    public async Task Retries_Exhausted_ThrowsTransientApiExceptionWithStatusAndCode()
    {
        await using var f = new MlflowFixture(maxRetries: 2);
        f.Server.FailNext(10, 503);

        var act = () => f.Client.RegisteredModels.GetAsync("m");

        var ex = (await act.Should().ThrowAsync<MlflowApiException>()).Which;
        ex.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        ex.ErrorCode.Should().Be("TEMPORARILY_UNAVAILABLE");
        ex.IsTransient.Should().BeTrue();
        ex.ResponseBody.Should().Contain("Injected fault");
        f.Server.Requests.Should().HaveCount(3);
    }

    [Fact]
    public async Task Retries_CreateModelVersionAfter500_IsNotRetriedBecauseTheServerMayHaveActed()
    {
        await using var f = new MlflowFixture(maxRetries: 3);
        await f.Client.RegisteredModels.CreateAsync("m");
        f.Server.FailNext(1, 500, pathContains: "model-versions/create", errorCode: "INTERNAL_ERROR");

        var act = () => f.Client.ModelVersions.CreateAsync(new NewModelVersion { Name = "m", Source = "mlflow-artifacts:/x" });

        (await act.Should().ThrowAsync<MlflowApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.InternalServerError);
        f.Server.RequestsTo("model-versions/create").Should().HaveCount(1);
    }

    [Fact]
    public async Task Retries_CreateModelVersionAfter503_IsRetried()
    {
        await using var f = new MlflowFixture(maxRetries: 3);
        await f.Client.RegisteredModels.CreateAsync("m");
        f.Server.FailNext(1, 503, pathContains: "model-versions/create");

        var created = await f.Client.ModelVersions.CreateAsync(new NewModelVersion { Name = "m", Source = "mlflow-artifacts:/x" });

        created.VersionNumber.Should().Be(1);
        f.Server.RequestsTo("model-versions/create").Should().HaveCount(2);
    }

    [Fact]
    public async Task Errors_MlflowErrorCodes_MapToTypedExceptions()
    {
        await using var f = new MlflowFixture();
        await f.Client.RegisteredModels.CreateAsync("m");

        var missing = (await ((Func<Task>)(() => f.Client.RegisteredModels.GetAsync("nope"))).Should().ThrowAsync<MlflowNotFoundException>()).Which;
        missing.StatusCode.Should().Be(HttpStatusCode.NotFound);
        missing.ErrorCode.Should().Be("RESOURCE_DOES_NOT_EXIST");
        missing.Message.Should().Contain("Registered Model with name=nope not found");

        var exists = (await ((Func<Task>)(() => f.Client.RegisteredModels.CreateAsync("m"))).Should().ThrowAsync<MlflowAlreadyExistsException>()).Which;
        exists.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        exists.ErrorCode.Should().Be("RESOURCE_ALREADY_EXISTS");

        var invalid = (await ((Func<Task>)(() => f.Client.RegisteredModels.SetTagAsync("m", "k", new string('v', 5001)))).Should().ThrowAsync<MlflowValidationException>()).Which;
        invalid.ErrorCode.Should().Be("INVALID_PARAMETER_VALUE");
        invalid.IsTransient.Should().BeFalse();

        // Not retried: one request each.
        f.Server.RequestsTo("registered-models/set-tag").Should().HaveCount(1);
    }

    [Theory]
    [InlineData(404, null, typeof(MlflowNotFoundException))]
    [InlineData(409, null, typeof(MlflowAlreadyExistsException))]
    [InlineData(400, null, typeof(MlflowValidationException))]
    [InlineData(400, "RESOURCE_ALREADY_EXISTS", typeof(MlflowAlreadyExistsException))]
    [InlineData(404, "ENDPOINT_NOT_FOUND", typeof(MlflowNotFoundException))]
    [InlineData(403, "PERMISSION_DENIED", typeof(MlflowApiException))]
    [InlineData(500, "INTERNAL_ERROR", typeof(MlflowApiException))]
    public void FromResponse_StatusAndCode_PickTheExceptionType(int status, string? code, Type expected)
    {
        var body = code is null ? "<html>oops</html>" : $"{{\"error_code\":\"{code}\",\"message\":\"m\"}}";

        var ex = MlflowErrors.FromResponse((HttpStatusCode)status, body, "GET", "mlflow/x");

        ex.GetType().Should().Be(expected);
        ex.ErrorCode.Should().Be(code);
        ex.ResponseBody.Should().Be(body);
    }

    [Fact]
    public async Task Auth_Token_SentAsBearerHeaderOnEveryRequestAndNeverInUrlsOrErrors()
    {
        const string token = "s3cr3t-t0ken-value";
        await using var f = new MlflowFixture(token: token);
        f.Server.RequiredAuthorization = "Bearer " + token;
        await f.Registry.RegisterAsync(new RegisterRequest { Model = "m", ModelFile = f.ModelFile(2) });
        await f.Client.Artifacts.DownloadAsync($"toolkit/models/m/{(await f.Registry.GetVersionAsync("m", 1))!.Digest[7..]}/model.tkm");
        f.Server.FailNext(5, 503);

        var ex = (await ((Func<Task>)(() => f.Client.RegisteredModels.GetAsync("nope"))).Should().ThrowAsync<MlflowApiException>()).Which;

        f.Server.Requests.Should().OnlyContain(r => r.Authorization == "Bearer " + token);
        f.Server.Requests.Should().OnlyContain(r => !r.PathAndQuery.Contains(token, StringComparison.Ordinal));
        ex.ToString().Should().NotContain(token);
        f.Options.ToString().Should().NotContain(token).And.Contain("auth: token");
    }

    [Fact]
    public async Task Auth_WrongToken_Is401AndTheMessageDoesNotEchoTheToken()
    {
        const string token = "wrong-token-123";
        await using var f = new MlflowFixture(token: token);
        f.Server.RequiredAuthorization = "Bearer right";

        var ex = (await ((Func<Task>)(() => f.Client.RegisteredModels.GetAsync("m"))).Should().ThrowAsync<MlflowApiException>()).Which;

        ex.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        ex.ErrorCode.Should().Be("UNAUTHENTICATED");
        ex.ToString().Should().NotContain(token);
    }

    [Fact]
    public async Task Auth_UsernamePassword_SentAsBasicHeader()
    {
        using var server = new FakeMlflowServer();
        var options = new MlflowClientOptions { TrackingUri = server.BaseUri, Username = "alice", Password = "pa:ss" };
        using var client = new MlflowClient(options, new InstantTimeProvider());

        await client.Experiments.GetOrCreateAsync("toolkit");

        server.Requests.Should().OnlyContain(r => r.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:pa:ss")));
    }

    [Fact]
    public async Task Int64_AsJsonNumbers_AreReadLikeStrings()
    {
        await using var f = new MlflowFixture();
        f.Server.Int64AsStrings = false;

        var created = await f.Client.RegisteredModels.CreateAsync("m");

        created.CreationTimestamp.Should().Be(1_700_000_001_000);
    }

    [Fact]
    public void Json_ModelVersionFromProto3Json_ReadsInt64StringsAndVersionString()
    {
        const string json = """
            {"model_version":{"name":"m","version":"12","creation_timestamp":"1700000000123","last_updated_timestamp":1700000000456,
             "status":"READY","tags":[{"key":"toolkit.digest","value":"sha256:ab"}],"aliases":["prod"]}}
            """;

        var mv = JsonSerializer.Deserialize<ModelVersionEnvelope>(json, MlflowJson.Options)!.ModelVersion!;

        mv.VersionNumber.Should().Be(12);
        mv.CreationTimestamp.Should().Be(1_700_000_000_123);
        mv.LastUpdatedTimestamp.Should().Be(1_700_000_000_456);
        mv.Tag("toolkit.digest").Should().Be("sha256:ab");
        mv.Aliases.Should().Equal("prod");
    }

    [Fact]
    public async Task Experiments_GetOrCreate_CreatesOnceThenFindsByName()
    {
        await using var f = new MlflowFixture();

        var first = await f.Client.Experiments.GetOrCreateAsync("toolkit");
        var second = await f.Client.Experiments.GetOrCreateAsync("toolkit");

        second.Should().Be(first);
        f.Server.RequestsTo("experiments/create").Should().HaveCount(1);
        f.Server.RequestsTo("experiments/get-by-name").Should().HaveCount(2);
    }

    [Fact]
    public async Task Artifacts_PathWithSpaces_RoundTripsThroughTheProxy()
    {
        await using var f = new MlflowFixture();
        var bytes = new byte[] { 0, 1, 2, 255, 254, 10, 13 };

        await f.Client.Artifacts.UploadAsync("toolkit/a dir/file #1.bin", bytes);

        (await f.Client.Artifacts.DownloadAsync("toolkit/a dir/file #1.bin")).Should().Equal(bytes);
        f.Server.Requests[0].PathAndQuery.Should().Be("/api/2.0/mlflow-artifacts/artifacts/toolkit/a%20dir/file%20%231.bin");
        await ((Func<Task>)(() => f.Client.Artifacts.DownloadAsync("toolkit/missing"))).Should().ThrowAsync<MlflowNotFoundException>();
    }

    [Fact]
    public async Task Aliases_DeleteAndGet_FollowMlflowSemantics()
    {
        await using var f = new MlflowFixture();
        f.Server.PendingPolls = 0;
        await f.Client.RegisteredModels.CreateAsync("m");
        var v = await f.Client.ModelVersions.CreateAsync(new NewModelVersion { Name = "m", Source = "mlflow-artifacts:/x" });
        await f.Client.RegisteredModels.SetAliasAsync("m", "prod", v.Version);

        (await f.Client.RegisteredModels.GetVersionByAliasAsync("m", "prod")).Version.Should().Be("1");
        await f.Client.RegisteredModels.DeleteAliasAsync("m", "prod");

        await ((Func<Task>)(() => f.Client.RegisteredModels.GetVersionByAliasAsync("m", "prod"))).Should().ThrowAsync<MlflowValidationException>();
        var delete = f.Server.RequestsTo("registered-models/alias").Single(r => r.Method == "DELETE");
        delete.Body.Should().Contain("\"alias\":\"prod\"");
    }
}
