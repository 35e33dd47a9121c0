using System.Globalization;

namespace Toolkit.Registry.Mlflow;

/// <summary>
/// Where the MLflow tracking server is and how to authenticate. Validated when a client is built, so a
/// bad URI fails before the first request. Secrets are never part of <see cref="ToString"/>.
/// </summary>
public sealed class MlflowClientOptions
{
    public const string TrackingUriVariable = "MLFLOW_TRACKING_URI";
    public const string TokenVariable = "MLFLOW_TRACKING_TOKEN";
    public const string UsernameVariable = "MLFLOW_TRACKING_USERNAME";
    public const string PasswordVariable = "MLFLOW_TRACKING_PASSWORD";
    public const string ExperimentNameVariable = "MLFLOW_EXPERIMENT_NAME";

    /// <summary>The tracking server's base address (e.g. <c>http://mlflow:5000</c>).</summary>
    public required Uri TrackingUri { get; init; }

    /// <summary>Bearer token (<c>MLFLOW_TRACKING_TOKEN</c>); exclusive with username/password.</summary>
    public string? Token { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>Timeout of one HTTP attempt.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>The experiment that pipeline runs and lineage runs go to.</summary>
    public string ExperimentName { get; init; } = "toolkit";

    /// <summary>Retries of a transient failure (5xx, 429, network error), after the first attempt.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>First retry delay; doubles with each retry.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a new model version is polled while it is <c>PENDING_REGISTRATION</c>.</summary>
    public TimeSpan ReadyPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a new model version may stay <c>PENDING_REGISTRATION</c>.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads the standard MLflow variables; <paramref name="getVariable"/> defaults to the process environment.</summary>
    public static MlflowClientOptions FromEnvironment(string? trackingUri = null, Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var uriText = trackingUri ?? getVariable(TrackingUriVariable);
        if (string.IsNullOrWhiteSpace(uriText))
        {
            throw new ArgumentException($"No MLflow tracking URI: set {TrackingUriVariable} or pass the URI.", nameof(trackingUri));
        }

        if (!Uri.TryCreate(uriText.Trim(), UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"The MLflow tracking URI '{Redact(uriText)}' is not an absolute URI (expected http://host:port or https://host).", nameof(trackingUri));
        }

        var experiment = getVariable(ExperimentNameVariable);
        var options = new MlflowClientOptions
        {
            TrackingUri = uri,
            Token = Blank(getVariable(TokenVariable)),
            Username = Blank(getVariable(UsernameVariable)),
            Password = Blank(getVariable(PasswordVariable)),
            ExperimentName = string.IsNullOrWhiteSpace(experiment) ? "toolkit" : experiment.Trim(),
        };
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem; never quotes a secret.</summary>
    public void Validate()
    {
        if (TrackingUri is null || !TrackingUri.IsAbsoluteUri)
        {
            throw new ArgumentException("The MLflow tracking URI must be an absolute http:// or https:// URI.", nameof(TrackingUri));
        }

        if (TrackingUri.Scheme != Uri.UriSchemeHttp && TrackingUri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException(
                $"The MLflow tracking URI must use http or https, not '{TrackingUri.Scheme}' (file stores and databricks:// are not supported by the REST backend).",
                nameof(TrackingUri));
        }

        if (!string.IsNullOrEmpty(TrackingUri.UserInfo))
        {
            // Credentials in the URI would end up in logs and error messages.
            throw new ArgumentException(
                $"The MLflow tracking URI must not carry credentials; use {UsernameVariable}/{PasswordVariable} or {TokenVariable}.",
                nameof(TrackingUri));
        }

        if (!string.IsNullOrEmpty(TrackingUri.Query) || !string.IsNullOrEmpty(TrackingUri.Fragment))
        {
            throw new ArgumentException("The MLflow tracking URI must not have a query or fragment.", nameof(TrackingUri));
        }

        if (Token is not null && (Username is not null || Password is not null))
        {
            throw new ArgumentException($"Set either {TokenVariable} or {UsernameVariable}/{PasswordVariable}, not both.", nameof(Token));
        }

        if ((Username is null) != (Password is null))
        {
            throw new ArgumentException($"{UsernameVariable} and {PasswordVariable} must be set together.", nameof(Username));
        }

        if (Timeout <= TimeSpan.Zero || ReadyPollInterval <= TimeSpan.Zero || ReadyTimeout <= TimeSpan.Zero || RetryBaseDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("MLflow timeouts and intervals must be positive.", nameof(Timeout));
        }

        if (MaxRetries < 0)
        {
            throw new ArgumentException("MaxRetries must not be negative.", nameof(MaxRetries));
        }

        if (string.IsNullOrWhiteSpace(ExperimentName))
        {
            throw new ArgumentException("The MLflow experiment name must not be empty.", nameof(ExperimentName));
        }
    }

    /// <summary>Describes the options without secrets (safe to log).</summary>
    public override string ToString()
    {
        var auth = Token is not null ? "token" : Username is not null ? "basic" : "none";
        return string.Create(CultureInfo.InvariantCulture, $"MLflow {TrackingUri} (auth: {auth}, experiment: {ExperimentName})");
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Redact(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? string.Concat(text.AsSpan(0, scheme + 3), "***", text.AsSpan(at)) : text;
    }
}
