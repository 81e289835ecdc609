namespace Dashboard.Client.Errors;

/// <summary>Base of every error the client throws; no Refit or HTTP type leaks past the client.</summary>
public class RunsClientException(string message, string? code = null, string? requestId = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The service's error code (INVALID_INPUT, RESOURCE_NOT_FOUND, …) when it sent one.</summary>
    public string? Code { get; } = code;

    /// <summary>The service's request id, to quote when reporting a problem.</summary>
    public string? RequestId { get; } = requestId;
}

/// <summary>The run (or step) does not exist, or the key may not see it: the service answers both alike.</summary>
public sealed class RunNotFoundException(string message, string? requestId = null, Exception? inner = null)
    : RunsClientException(message, "RESOURCE_NOT_FOUND", requestId, inner);

/// <summary>The call did not finish within its time-out, or the service answered TIMEOUT.</summary>
public sealed class ApiTimeoutException(string message, Exception? inner = null)
    : RunsClientException(message, "TIMEOUT", null, inner);

/// <summary>The service could not be reached (refused, reset, DNS, TLS).</summary>
public sealed class ApiConnectionException(string message, Exception? inner = null)
    : RunsClientException(message, null, null, inner);

/// <summary>Too many requests; <see cref="RetryAfter"/> is the service's Retry-After when it sent one.</summary>
public sealed class RateLimitedException(string message, TimeSpan? retryAfter, string? requestId = null, Exception? inner = null)
    : RunsClientException(message, "RATE_LIMIT_EXCEEDED", requestId, inner)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>The API key is missing or not accepted.</summary>
public sealed class UnauthorizedException(string message, string? requestId = null, Exception? inner = null)
    : RunsClientException(message, "AUTHORIZATION_ERROR", requestId, inner);

/// <summary>The service refused the request's input; the message is the service's.</summary>
public sealed class InvalidInputException(string message, string? requestId = null, Exception? inner = null)
    : RunsClientException(message, "INVALID_INPUT", requestId, inner);
