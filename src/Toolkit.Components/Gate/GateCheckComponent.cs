using System.Globalization;
using System.Security.Cryptography;
using Toolkit.Gates;
using Toolkit.Models;
using Toolkit.Pipelines.Components;
using Toolkit.Registry;

namespace Toolkit.Components.Gate;

/// <summary>A gate that failed in a step asked to fail on it (<c>fail: true</c>).</summary>
public sealed class GateFailedException : Exception
{
    public GateFailedException(string message)
        : base(message)
    {
    }

    public GateFailedException()
    {
    }

    public GateFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// <c>gate/check</c>: the model's gates inside a pipeline. Writes the gate report (JSON and Markdown)
/// and reports <c>passed</c> (1 or 0) so later steps can use <c>when: steps.gate.outputs.passed == 1</c>.
/// The champion (the version in prod) is found on the host, in the project's registry, and handed to
/// the step as its <c>champion</c> input, so a step in a container judges against the same prod as one
/// in-process; the policy file and the champion are part of the cache key.
/// </summary>
internal sealed class GateCheckComponent : IComponent, IExternalInputs, IHostInputs
{
    internal const string ChampionInput = "champion";

    private readonly Func<CancellationToken, Task<IModelRegistry?>> _registry;

    public GateCheckComponent(Func<CancellationToken, Task<IModelRegistry?>> registry)
    {
        _registry = registry;
    }

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Name = "gate/check",
        Version = "1",
        Description = "Checks a candidate against its model policy (thresholds, no regression vs prod, data, model); writes the gate report.",
        Inputs =
        [
            new ComponentPort("report", "report", "the evaluation report (evaluate/*)"),
            new ComponentPort("validation", "report", "the data validation report (data/validate), for data checks") { Required = false },
            new ComponentPort("model", "model", "the candidate model file, for size and signature checks") { Required = false },
            new ComponentPort(ChampionInput, "champion", "the version in prod (made by the runner from the project's registry; alone: the registry is asked)") { Required = false },
        ],
        Outputs =
        [
            new ComponentPort("gate", "report", "the gate report (JSON)"),
            new ComponentPort("markdown", "report", "the gate report for a pull request (Markdown)"),
        ],
        Parameters =
        [
            new ComponentParameter("policy", ParameterType.String, "the model policy file, e.g. models/diabetes/model.yaml") { Required = true },
            new ComponentParameter("fail", ParameterType.Boolean, "fail the step when a gate fails (default: report passed=0 and go on)") { Default = "false" },
        ],
        Values = ["passed", "failed_checks", "checks"],
    };

    /// <summary>The policy file's content; the champion enters the key as the <c>champion</c> input.</summary>
    public async Task<string?> ExternalDigestAsync(IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.TryGetValue("policy", out var policy) || Path.GetFullPath(policy, projectDirectory) is not { } path || !File.Exists(path))
        {
            return null;
        }

        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path, cancellationToken)));
    }

    /// <summary>The champion file of the policy's model: the version in prod with its metrics and signature, or none.</summary>
    public async Task<IReadOnlyDictionary<string, byte[]>> HostInputsAsync(
        IReadOnlyDictionary<string, string> parameters, string projectDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        string name;
        try
        {
            name = parameters.TryGetValue("policy", out var policy) ? ModelPolicy.Load(Path.GetFullPath(policy, projectDirectory)).Name : "";
        }
        catch (Exception ex) when (ex is ModelPolicyException or IOException or UnauthorizedAccessException)
        {
            name = ""; // the step itself reports the policy's problems
        }

        if (name.Length == 0)
        {
            return new Dictionary<string, byte[]>();
        }

        var scratch = Path.Combine(Path.GetTempPath(), "toolkit-champion-" + Guid.NewGuid().ToString("N"));
        try
        {
            ChampionInfo? champion = null;
            if (await _registry(cancellationToken) is { } registry)
            {
                await using (registry)
                {
                    champion = await GateRunner.ChampionAsync(registry, name, scratch, cancellationToken);
                }
            }

            if (champion?.ModelPath is { } modelPath)
            {
                var model = ModelLoader.Load(modelPath);
                champion = champion with { ModelPath = null, Task = model.Task, Signature = model.Signature };
            }

            return new Dictionary<string, byte[]> { [ChampionInput] = ChampionFile.Write(name, champion) };
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    public async Task<ComponentResult> RunAsync(ComponentContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = new GateCheckRequest
        {
            PolicyPath = context.ProjectPath(ComponentArgs.Text(context, Descriptor, "policy")),
            EvaluationReportPath = context.Input("report"),
            ValidationReportPath = context.Inputs.TryGetValue("validation", out var v) && v.Count > 0 ? v[0] : null,
            CandidateModelPath = context.Inputs.TryGetValue("model", out var m) && m.Count > 0 ? m[0] : null,
        };
        var scratch = Path.Combine(Path.GetDirectoryName(context.Output("gate"))!, "champion");
        GateReport report;
        if (context.Inputs.TryGetValue(ChampionInput, out var championFile) && championFile.Count > 0)
        {
            report = GateRunner.Run(request, ChampionFile.Read(championFile[0]));
        }
        else
        {
            var registry = await _registry(cancellationToken);
            try
            {
                report = await GateRunner.RunAsync(request, registry, scratch, cancellationToken);
            }
            finally
            {
                if (registry is not null)
                {
                    await registry.DisposeAsync();
                }
            }
        }

        await File.WriteAllTextAsync(context.Output("gate"), report.ToJson(), cancellationToken);
        await File.WriteAllTextAsync(context.Output("markdown"), report.ToMarkdown(), cancellationToken);
        var failed = report.Checks.Count(c => c.Status == CheckStatus.Failed);
        foreach (var c in report.Checks)
        {
            context.Log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Status.ToString().ToLowerInvariant(),-8} {c.Name,-28} value {c.Value?.ToString("0.####", CultureInfo.InvariantCulture) ?? "-"} {c.Op} {c.Threshold?.ToString("0.####", CultureInfo.InvariantCulture) ?? ""} {c.Note}"));
        }

        context.Log.WriteLine(report.Passed ? "gate passed" : $"gate FAILED: {failed} check(s) failed");
        if (!report.Passed && ComponentArgs.Bool(context, Descriptor, "fail"))
        {
            throw new GateFailedException($"gate failed for '{report.Model}': {string.Join(", ", report.Checks.Where(c => c.Status == CheckStatus.Failed).Select(c => c.Name))}");
        }

        return new ComponentResult
        {
            Values = new Dictionary<string, double>
            {
                ["passed"] = report.Passed ? 1 : 0,
                ["failed_checks"] = failed,
                ["checks"] = report.Checks.Count,
            },
            Labels = report.ChampionVersion is { } cv
                ? new Dictionary<string, string> { ["champion_version"] = cv.ToString(CultureInfo.InvariantCulture) }
                : new Dictionary<string, string>(),
        };
    }
}
