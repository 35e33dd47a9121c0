using System.Text.Json;
using Toolkit.Ml.Models;
using Toolkit.Models;

namespace Toolkit.Registry;

/// <summary>
/// The registration rules, once, above every backend: the name rule, the model file read once and
/// verified (its checksum, its digest), the data digest, the actor, the gate report. The backends
/// (<see cref="IModelRegistry.StoreVersionAsync"/>) only store what passed.
/// </summary>
public static class RegistrationService
{
    /// <summary>
    /// Registers the file as a new version of <see cref="RegisterRequest.Model"/>, or returns the version that
    /// already has its digest (idempotent).
    /// </summary>
    public static async Task<RegisterResult> RegisterAsync(this IModelRegistry registry, RegisterRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var verified = await VerifyAsync(request, cancellationToken);
        return await registry.StoreVersionAsync(verified, cancellationToken);
    }

    /// <summary>Applies the rules; throws a <see cref="RegistryException"/> naming what is wrong.</summary>
    public static async Task<VerifiedRegistration> VerifyAsync(RegisterRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ModelNames.Ensure(request.Model);
        if (string.IsNullOrWhiteSpace(request.ModelFile))
        {
            throw new RegistryException($"no model file given to register as '{request.Model}'");
        }

        if (request.GateReport is { } report)
        {
            EnsureGateReport(report, request.Model, request.GatePassed);
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(request.ModelFile, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new RegistryException($"cannot read model file '{request.ModelFile}': {ex.Message}", ex);
        }

        // Verified once in memory, and these same bytes are what the backend stores: the file cannot change in between.
        IScoringModel model;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            model = ModelLoader.Read(stream, request.ModelFile);
        }
        catch (ModelFileException ex)
        {
            throw new RegistryException($"cannot register '{request.ModelFile}': {ex.Message}", ex);
        }

        var smokeJson = request.SmokeSample is { } sample ? SmokeSampleJson(sample, model, request.Model) : null;
        var profileJson = request.ReferenceProfile is { } profile ? CheckProfile(profile, request.Model) : null;
        return new VerifiedRegistration(request, bytes, model, Actors.OrUnknown(request.Actor), smokeJson, profileJson);
    }

    /// <summary>The registry does not read profiles (Toolkit.Monitoring does); it refuses only what no reader could.</summary>
    private static string CheckProfile(string json, string name)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object
                || !document.RootElement.TryGetProperty("format", out var format)
                || format.ValueKind != System.Text.Json.JsonValueKind.String)
            {
                throw new RegistryException($"the reference profile given for '{name}' is not a JSON object with a 'format'");
            }
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new RegistryException($"the reference profile given for '{name}' is not JSON: {ex.Message}", ex);
        }

        return json;
    }

    /// <summary>A sample must be of this model's inputs and answers, or every deployment's smoke test would fail.</summary>
    private static string SmokeSampleJson(SmokeSample sample, IScoringModel model, string name)
    {
        var inputs = model.Signature.Columns.Select(c => c.Name).ToList();
        if (!sample.Columns.SequenceEqual(inputs, StringComparer.Ordinal))
        {
            throw new RegistryException(
                $"the smoke sample given for '{name}' has the columns {string.Join(", ", sample.Columns)}, but the model's inputs are {string.Join(", ", inputs)}");
        }

        if ((sample.Probabilities is null) != (model.Classes is null))
        {
            throw new RegistryException(
                $"the smoke sample given for '{name}' {(sample.Probabilities is null ? "has no probabilities, but the model is a classifier" : "has probabilities, but the model is not a classifier")}");
        }

        try
        {
            // Its JSON form is what the backends store: made once, here, so every backend stores the same text.
            return sample.ToJson();
        }
        catch (InvalidOperationException ex)
        {
            throw new RegistryException($"the smoke sample given for '{name}' is not usable: {ex.Message}", ex);
        }
    }

    private static void EnsureGateReport(string json, string model, bool? gatePassed)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (gatePassed is { } claimed
                && document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("passed", out var passed)
                && passed.ValueKind is JsonValueKind.True or JsonValueKind.False
                && passed.GetBoolean() != claimed)
            {
                throw new RegistryException(
                    $"the gate report given for '{model}' says passed={(passed.GetBoolean() ? "true" : "false")}, but the registration says {(claimed ? "passed" : "failed")}");
            }
        }
        catch (JsonException ex)
        {
            throw new RegistryException($"the gate report given for '{model}' is not valid JSON: {ex.Message}", ex);
        }
    }
}
