namespace Dashboard.Model.Errors;

/// <summary>The error codes of the seeds (002), used in every error envelope.</summary>
public static class ErrorCodes
{
    public const string InternalError = "INTERNAL_ERROR";
    public const string InvalidInput = "INVALID_INPUT";
    public const string ResourceNotFound = "RESOURCE_NOT_FOUND";
    public const string Timeout = "TIMEOUT";
    public const string RateLimitExceeded = "RATE_LIMIT_EXCEEDED";
    public const string AuthorizationError = "AUTHORIZATION_ERROR";
}
