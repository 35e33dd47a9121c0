using System.Globalization;
using Toolkit.Ml.Data;
using Toolkit.Ml.Metrics;
using Toolkit.Ml.Models;
using Toolkit.Ml.Training;
using Toolkit.Models;

namespace Toolkit.Gates;

/// <summary>Judges one candidate model against a policy's gates: thresholds, no-regression, data and model checks.</summary>
public static class GateEvaluator
{
    internal const string MinRowsCheck = "data:min_rows";
    private const string NoChampion = "no version in prod";
    private const double BytesPerMb = 1024 * 1024;

    public static GateReport Evaluate(ModelPolicy policy, GateInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(inputs);
        var evaluation = inputs.Evaluation;
        if (evaluation.Task != policy.Task.ToName())
        {
            throw new GateInputException(
                $"model '{policy.Name}' is a {policy.Task.ToName()} model ({policy.Source}), but the evaluation report is for {evaluation.Task}.");
        }

        var candidate = evaluation.Candidate(inputs.CandidateDigest);
        var champion = inputs.Champion;
        var checks = new List<GateCheck>();
        checks.AddRange(policy.Thresholds.Select(rule => Threshold(rule, candidate, champion)));
        checks.AddRange(policy.Regression.Select(rule => Regression(rule, candidate, champion)));
        checks.AddRange(DataChecks(policy.Data, inputs.Validation));
        checks.AddRange(ModelChecks(policy.Model, candidate, inputs.CandidateModelPath, champion));
        return new GateReport(policy.Name, candidate.Digest, candidate.Algorithm, champion?.Version, champion?.Digest, checks);
    }

    private static GateCheck Threshold(ThresholdRule rule, EvaluatedModel candidate, ChampionInfo? champion)
    {
        var value = MetricOf(candidate, rule.Metric);
        var championValue = ChampionMetric(champion, rule.Metric);
        var passed = value is { } v && rule.Holds(v);
        return new GateCheck
        {
            Name = "threshold:" + rule.Metric,
            Kind = CheckKind.Threshold,
            Subject = rule.Metric,
            Value = value,
            Op = rule.Op,
            Threshold = rule.Value,
            ChampionValue = championValue,
            Delta = value - championValue,
            Status = passed ? CheckStatus.Passed : CheckStatus.Failed,
            Note = value is null ? $"the evaluation report has no value for '{rule.Metric}'" : null,
        };
    }

    private static GateCheck Regression(RegressionRule rule, EvaluatedModel candidate, ChampionInfo? champion)
    {
        var value = MetricOf(candidate, rule.Metric);
        var championValue = ChampionMetric(champion, rule.Metric);
        var check = new GateCheck
        {
            Name = "regression:" + rule.Metric,
            Kind = CheckKind.Regression,
            Subject = rule.Metric,
            Value = value,
            Op = rule.Key,
            Threshold = rule.Tolerance,
            ChampionValue = championValue,
            Delta = value - championValue,
            Status = CheckStatus.Skipped,
        };
        if (champion is null)
        {
            return check with { Note = NoChampion };
        }

        if (championValue is not { } c)
        {
            return check with { Note = $"the version in prod has no recorded '{rule.Metric}'" };
        }

        if (value is not { } v)
        {
            return check with { Status = CheckStatus.Failed, Note = $"the evaluation report has no value for '{rule.Metric}'" };
        }

        // How much worse the candidate is, whichever way the metric points; negative means better.
        var worse = MetricCatalog.Worsening(rule.Metric, v, c);
        var measured = rule.Relative ? (worse <= 0 ? worse : c == 0 ? double.PositiveInfinity : worse / Math.Abs(c)) : worse;

        // A hair of slack so that 0.870 - 0.865 (= 0.00500000000000004) meets a 0.005 tolerance.
        var passed = measured <= rule.Tolerance + 1e-12;
        var how = worse <= 0
            ? $"{(worse < 0 ? "better" : "same")} than prod"
            : rule.Relative
                ? string.Create(CultureInfo.InvariantCulture, $"worse by {measured:0.00%} of prod's value")
                : string.Create(CultureInfo.InvariantCulture, $"worse by {MetricCatalog.Format(worse)}");
        return check with { Status = passed ? CheckStatus.Passed : CheckStatus.Failed, Note = how };
    }

    private static IEnumerable<GateCheck> DataChecks(DataGate gate, ValidationReportData? validation)
    {
        const string NoReport = "no validation report";
        if (gate.MinRows is { } minRows)
        {
            var rows = validation?.Rows;
            yield return new GateCheck
            {
                Name = MinRowsCheck,
                Kind = CheckKind.Data,
                Subject = "rows",
                Value = rows,
                Op = ">=",
                Threshold = minRows,
                Status = rows is null ? CheckStatus.Skipped : rows >= minRows ? CheckStatus.Passed : CheckStatus.Failed,
                Note = rows is null ? NoReport : null,
            };
        }

        if (gate.MaxNullFraction is { } maxNull)
        {
            // The validator writes one null_fraction check per feature column (the label is checked apart).
            var worst = validation?.Checks.Where(c => c.Check == "null_fraction" && c.Value is not null)
                .OrderByDescending(c => c.Value).ThenBy(c => c.Subject, StringComparer.Ordinal).FirstOrDefault();
            yield return new GateCheck
            {
                Name = "data:max_null_fraction",
                Kind = CheckKind.Data,
                Subject = worst?.Subject ?? "features",
                Value = worst?.Value,
                Op = "<=",
                Threshold = maxNull,
                Status = worst is null ? CheckStatus.Skipped : worst.Value <= maxNull ? CheckStatus.Passed : CheckStatus.Failed,
                Note = validation is null ? NoReport
                    : worst is null ? "the validation report has no null-fraction checks"
                    : $"worst feature column: {worst.Subject}",
            };
        }

        if (gate.MinClassFraction is { } minClass)
        {
            var balance = validation?.Checks.FirstOrDefault(c => c.Check == "class_balance" && c.Value is not null);
            yield return new GateCheck
            {
                Name = "data:min_class_fraction",
                Kind = CheckKind.Data,
                Subject = balance?.Subject ?? "label",
                Value = balance?.Value,
                Op = ">=",
                Threshold = minClass,
                Status = balance is null ? CheckStatus.Skipped : balance.Value >= minClass ? CheckStatus.Passed : CheckStatus.Failed,
                Note = validation is null ? NoReport : balance is null ? "the validation report has no class-balance check" : null,
            };
        }
    }

    private static IEnumerable<GateCheck> ModelChecks(ModelGate gate, EvaluatedModel candidate, string? candidatePath, ChampionInfo? champion)
    {
        IScoringModel? model = null;
        string? loadError = null;
        if (candidatePath is not null)
        {
            try
            {
                model = ModelLoader.Load(candidatePath);
            }
            catch (Exception ex) when (ex is ModelFileException or IOException or UnauthorizedAccessException)
            {
                loadError = ex.Message;
            }

            // The file must be the model the report evaluated, or every other check judges the wrong thing.
            yield return new GateCheck
            {
                Name = "model:digest",
                Kind = CheckKind.Model,
                Subject = "digest",
                Op = "matches evaluated model",
                Status = model?.Digest == candidate.Digest ? CheckStatus.Passed : CheckStatus.Failed,
                Note = loadError ?? (model?.Digest == candidate.Digest ? null : $"the file is {model?.Digest}, the report evaluated {candidate.Digest}"),
            };
        }

        const string NoFile = "no candidate model file given";
        if (gate.MaxSizeMb is { } maxMb)
        {
            double? sizeMb = model is null ? null : new FileInfo(candidatePath!).Length / BytesPerMb;
            yield return new GateCheck
            {
                Name = "model:max_size_mb",
                Kind = CheckKind.Model,
                Subject = "size_mb",
                Value = sizeMb,
                Op = "<=",
                Threshold = maxMb,
                Status = candidatePath is null ? CheckStatus.Skipped : sizeMb <= maxMb ? CheckStatus.Passed : CheckStatus.Failed,
                Note = candidatePath is null ? NoFile : loadError,
            };
        }

        if (gate.Signature != SignatureRule.Off)
        {
            yield return Signature(gate.Signature, candidatePath, model, loadError, champion);
        }
    }

    private static GateCheck Signature(SignatureRule rule, string? candidatePath, IScoringModel? candidate, string? loadError, ChampionInfo? champion)
    {
        var check = new GateCheck
        {
            Name = "model:signature",
            Kind = CheckKind.Model,
            Subject = "signature",
            Op = rule == SignatureRule.Identical ? "identical" : "compatible",
            Status = CheckStatus.Skipped,
        };
        if (candidatePath is null)
        {
            return check with { Note = "no candidate model file given" };
        }

        if (candidate is null)
        {
            return check with { Status = CheckStatus.Failed, Note = loadError };
        }

        if (champion is null)
        {
            return check with { Note = NoChampion };
        }

        ModelTask championTask;
        Schema championSignature;
        if (champion.ModelPath is null)
        {
            // A step away from the registry (e.g. in a container) gets the champion's signature from the host.
            if (champion.Task is not { } task || champion.Signature is not { } signature)
            {
                return check with { Note = "the model file of the version in prod was not given" };
            }

            (championTask, championSignature) = (task, signature);
        }
        else
        {
            try
            {
                var prod = ModelLoader.Load(champion.ModelPath);
                (championTask, championSignature) = (prod.Task, prod.Signature);
            }
            catch (Exception ex) when (ex is ModelFileException or IOException or UnauthorizedAccessException)
            {
                return check with { Status = CheckStatus.Failed, Note = "cannot read the model in prod: " + ex.Message };
            }
        }

        var problems = SignatureProblems(championTask, championSignature, candidate, rule);
        return check with
        {
            Status = problems.Count == 0 ? CheckStatus.Passed : CheckStatus.Failed,
            Note = problems.Count == 0 ? null : string.Join("; ", problems),
        };
    }

    /// <summary>
    /// What callers of the champion would break on: an input dropped or changed in kind, a new input they
    /// do not send, a category the champion accepted that the candidate no longer knows.
    /// </summary>
    internal static List<string> SignatureProblems(IScoringModel champion, IScoringModel candidate, SignatureRule rule) =>
        SignatureProblems(champion.Task, champion.Signature, candidate, rule);

    internal static List<string> SignatureProblems(ModelTask championTask, Schema old, IScoringModel candidate, SignatureRule rule)
    {
        var problems = new List<string>();
        if (championTask != candidate.Task)
        {
            problems.Add($"task changed from {championTask.ToName()} to {candidate.Task.ToName()}");
        }

        var now = candidate.Signature;
        if (rule == SignatureRule.Identical)
        {
            if (!old.Equals(now))
            {
                problems.Add("the input columns differ from the version in prod's");
            }

            return problems;
        }

        foreach (var column in old.Columns)
        {
            if (!now.Contains(column.Name))
            {
                problems.Add($"input '{column.Name}' was dropped");
                continue;
            }

            var next = now[column.Name];
            if (Kind(column.Type) != Kind(next.Type))
            {
                problems.Add($"input '{column.Name}' changed from {Kind(column.Type)} to {Kind(next.Type)}");
            }
            else if (column.Categories is { } before)
            {
                var lost = before.Except(next.Categories ?? [], StringComparer.Ordinal).ToList();
                if (lost.Count > 0)
                {
                    problems.Add($"input '{column.Name}' no longer knows categor{(lost.Count == 1 ? "y" : "ies")} {string.Join(", ", lost)}");
                }
            }
        }

        foreach (var column in now.Columns.Where(c => !old.Contains(c.Name)))
        {
            problems.Add($"new required input '{column.Name}' that callers of the version in prod do not send");
        }

        return problems;
    }

    // Float32 and Float64 inputs accept the same numbers, so only numeric vs categorical matters to callers.
    private static string Kind(ColumnType type) => type == ColumnType.Categorical ? "categorical" : "numeric";

    private static double? MetricOf(EvaluatedModel model, string metric) =>
        model.Metrics.TryGetValue(metric, out var v) && v is { } d && double.IsFinite(d) ? d : null;

    private static double? ChampionMetric(ChampionInfo? champion, string metric) =>
        champion?.Metrics is { } m && m.TryGetValue(metric, out var v) && double.IsFinite(v) ? v : null;
}
