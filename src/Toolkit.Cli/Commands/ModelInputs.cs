using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Data.Csv;
using Toolkit.Ml.Models;
using Toolkit.Models;
using Toolkit.Registry;

namespace Toolkit.Cli.Commands;

/// <summary>
/// The model a command scores with (a file, or a registered version), and its input CSV read the way
/// the model expects it: column types fixed by the model's signature.
/// </summary>
internal static class ModelInputs
{
    /// <summary><c>--model FILE</c>, or with <c>--model-version N</c> the registered version of model <paramref name="model"/>.</summary>
    public static async Task<IScoringModel> LoadAsync(CliContext context, string model, int? version, CancellationToken cancellationToken) =>
        version is null
            ? ModelLoader.Load(context.InputFile(model, "--model"))
            : await LoadRegisteredAsync(context, model, version, cancellationToken);

    /// <summary>
    /// The one way a command fetches a registered version: the backend refuses a file that is not the
    /// version's recorded digest (not only its own header's), and the loaded model's digest is checked again.
    /// </summary>
    public static async Task<IScoringModel> LoadRegisteredAsync(CliContext context, string name, int? version, CancellationToken cancellationToken)
    {
        if (version is not { } number)
        {
            throw new UsageException("--model needs --model-version.");
        }

        if (!ModelNames.IsValid(name))
        {
            throw new UsageException($"'{name}' is not a model name: use lowercase letters, digits and dashes, starting with a letter");
        }

        await using var registry = await RegistryAccess.OpenAsync(ProjectContext.Settings(context), cancellationToken);
        var record = await registry.GetVersionAsync(name, number, cancellationToken)
            ?? throw (await registry.GetModelAsync(name, cancellationToken) is null
                ? await RegistryAccess.UnknownModelAsync(registry, name, cancellationToken)
                : new RegistryException(string.Create(CultureInfo.InvariantCulture, $"model '{name}' has no version {number}.")));
        var temp = Path.Combine(Path.GetTempPath(), ModelFileNames.Of($"mlops-model-{Environment.ProcessId}-{Guid.NewGuid():N}", record.Flavor));
        try
        {
            await registry.DownloadModelAsync(name, number, temp, cancellationToken);
            var model = ModelLoader.Load(temp);
            return RegisteredDigests.Matches(await File.ReadAllBytesAsync(temp, cancellationToken), model.Digest!, record.Digest)
                ? model
                : throw new RegistryException(string.Create(CultureInfo.InvariantCulture,
                    $"{name} v{number}: the downloaded file is {model.Digest}, not the registered {record.Digest}; refusing it"));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// For what reads a <c>.tkm</c>'s own internals (export, inspect): a model of another flavor is a usage error
    /// naming the flavor, not a crash on a member it does not have.
    /// </summary>
    public static Model RequireTkm(IScoringModel model, string source, string command) =>
        model as Model ?? throw new UsageException($"{source} is a {model.Flavor} model; '{command}' reads only {ModelFlavors.Tkm} models");

    public static DataTable Read(IScoringModel model, string path, bool withLabel, CancellationToken cancellationToken)
    {
        // The signature fixes the types, so "12" in a categorical column stays text and a stray word in
        // a numeric column is an error with its line, not a silent change of type.
        var types = model.Signature.Columns.ToDictionary(c => c.Name, c => c.Type, StringComparer.Ordinal);
        var table = CsvReader.Read(path, new CsvReadOptions
        {
            Label = withLabel ? model.Label : null,
            ColumnTypes = types,
            LabelValues = withLabel ? model.Classes : null,
        }, cancellationToken);

        // As scikit-learn refuses an array with 0 samples: a header alone is a file that lost its rows.
        return table.RowCount > 0 ? table : throw new DataFormatException(path, null, null, null, "the file has a header but no data rows");
    }
}
