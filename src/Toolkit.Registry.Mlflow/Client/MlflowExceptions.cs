using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Toolkit.Registry.Mlflow;

/// <summary>An MLflow REST call failed. Carries the HTTP status, MLflow's <c>error_code</c> and the response body.</summary>
public class MlflowApiException : Exception
{
    public MlflowApiException(string message, HttpStatusCode statusCode, string? errorCode, string? responseBody, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        ResponseBody = responseBody;
    }

    public MlflowApiException()
    {
    }

    public MlflowApiException(string message)
        : base(message)
    {
    }

    public MlflowApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>MLflow's <c>error_code</c> (e.g. <c>RESOURCE_DOES_NOT_EXIST</c>), or null when the body had none.</summary>
    public string? ErrorCode { get; }

    public string? ResponseBody { get; }

    /// <summary>Whether retrying may succeed (5xx, 429).</summary>
    public bool IsTransient => (int)StatusCode >= 500 || StatusCode == HttpStatusCode.TooManyRequests;
}

/// <summary><c>RESOURCE_DOES_NOT_EXIST</c> (404).</summary>
public sealed class MlflowNotFoundException : MlflowApiException
{
    public MlflowNotFoundException(string message, HttpStatusCode statusCode, string? errorCode, string? responseBody)
        : base(message, statusCode, errorCode, responseBody)
    {
    }

    public MlflowNotFoundException()
    {
    }

    public MlflowNotFoundException(string message)
        : base(message)
    {
    }

    public MlflowNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary><c>RESOURCE_ALREADY_EXISTS</c> (400 on MLflow).</summary>
public sealed class MlflowAlreadyExistsException : MlflowApiException
{
    public MlflowAlreadyExistsException(string message, HttpStatusCode statusCode, string? errorCode, string? responseBody)
        : base(message, statusCode, errorCode, responseBody)
    {
    }

    public MlflowAlreadyExistsException()
    {
    }

    public MlflowAlreadyExistsException(string message)
        : base(message)
    {
    }

    public MlflowAlreadyExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary><c>INVALID_PARAMETER_VALUE</c> / <c>BAD_REQUEST</c> (400): the request itself is wrong; retrying will not help.</summary>
public sealed class MlflowValidationException : MlflowApiException
{
    public MlflowValidationException(string message, HttpStatusCode statusCode, string? errorCode, string? responseBody)
        : base(message, statusCode, errorCode, responseBody)
    {
    }

    public MlflowValidationException()
    {
    }

    public MlflowValidationException(string message)
        : base(message)
    {
    }

    public MlflowValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The one place that turns an MLflow error response into an exception.</summary>
internal static class MlflowErrors
{
    private const int MaxBodyInMessage = 2000;

    private enum Kind
    {
        NotFound,
        AlreadyExists,
        Validation,
        Other,
    }

    // First matching row wins: error_code rows before bare status rows, because MLflow answers
    // RESOURCE_ALREADY_EXISTS with 400 (not 409) and only the code tells it from a validation error.
    private static readonly (string? Code, int? Status, Kind Kind)[] Table =
    [
        ("RESOURCE_DOES_NOT_EXIST", null, Kind.NotFound),
        ("ENDPOINT_NOT_FOUND", null, Kind.NotFound),
        ("NOT_FOUND", null, Kind.NotFound),
        ("RESOURCE_ALREADY_EXISTS", null, Kind.AlreadyExists),
        ("ALREADY_EXISTS", null, Kind.AlreadyExists),
        ("INVALID_PARAMETER_VALUE", null, Kind.Validation),
        ("BAD_REQUEST", null, Kind.Validation),
        ("MALFORMED_REQUEST", null, Kind.Validation),
        (null, 404, Kind.NotFound),
        (null, 409, Kind.AlreadyExists),
        (null, 400, Kind.Validation),
    ];

    public static MlflowApiException FromResponse(HttpStatusCode status, string? body, string method, string endpoint)
    {
        var (code, message) = Parse(body);
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"MLflow {method} {endpoint} failed with {(int)status} {status}{(code is null ? "" : " " + code)}: {message ?? Truncate(body) ?? "(no body)"}");
        var kind = Classify(code, (int)status);
        return kind switch
        {
            Kind.NotFound => new MlflowNotFoundException(text, status, code, body),
            Kind.AlreadyExists => new MlflowAlreadyExistsException(text, status, code, body),
            Kind.Validation => new MlflowValidationException(text, status, code, body),
            _ => new MlflowApiException(text, status, code, body),
        };
    }

    private static Kind Classify(string? code, int status)
    {
        foreach (var row in Table)
        {
            if (row.Code is not null && row.Code == code)
            {
                return row.Kind;
            }

            if (row.Code is null && row.Status == status)
            {
                return row.Kind;
            }
        }

        return Kind.Other;
    }

    private static (string? Code, string? Message) Parse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return (null, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var code = doc.RootElement.TryGetProperty("error_code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var message = doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            return (code, Truncate(message));
        }
        catch (JsonException)
        {
            // Proxies in front of MLflow answer with HTML; keep the status and a slice of the body.
            return (null, null);
        }
    }

    private static string? Truncate(string? text) =>
        text is null ? null : text.Length <= MaxBodyInMessage ? text : string.Concat(text.AsSpan(0, MaxBodyInMessage), "…");
}
