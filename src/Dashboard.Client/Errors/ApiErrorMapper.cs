using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Dashboard.Model.Errors;
using Dashboard.Model.Json;
using Refit;

namespace Dashboard.Client.Errors;

/// <summary>Turns what Refit and HttpClient throw (or answer) into the client's typed exceptions.</summary>
internal static class ApiErrorMapper
{
    public static Exception Map(Exception exception, CancellationToken callerToken) => exception switch
    {
        // Refit wraps transport failures (refused, reset, cancelled) around the original exception.
        ApiRequestException { InnerException: { } inner } => Map(inner, callerToken),
        ApiException api => FromStatus(api.StatusCode, api.ReasonPhrase, api.Content, api.Headers.RetryAfter, api),
        // HttpClient's own time-out (or ours) surfaces as a cancellation the caller did not ask for.
        OperationCanceledException when !callerToken.IsCancellationRequested =>
            new ApiTimeoutException("The request to the runs service timed out.", exception),
        HttpRequestException http when http.StatusCode is null || http.InnerException is SocketException or IOException =>
            new ApiConnectionException($"The runs service could not be reached: {http.Message}", exception),
        _ => exception,
    };

    /// <summary>For raw responses (the stream reads): null when the status is a success.</summary>
    public static async Task<Exception?> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return null;
        }
        var content = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return FromStatus(response.StatusCode, response.ReasonPhrase, content, response.Headers.RetryAfter, null);
    }

    public static bool IsTransient(Exception exception) =>
        exception is ApiConnectionException or ApiTimeoutException or RateLimitedException
        || (exception is RunsClientException { Code: ErrorCodes.InternalError });

    private static Exception FromStatus(HttpStatusCode status, string? reason, string? content, RetryConditionHeaderValue? retryAfter, Exception? inner)
    {
        var body = TryReadEnvelope(content);
        var message = body?.Message ?? $"The runs service answered {(int)status} {reason}.";
        var requestId = body?.RequestId;
        return (status, body?.Code) switch
        {
            (HttpStatusCode.NotFound, _) or (_, ErrorCodes.ResourceNotFound) => new RunNotFoundException(message, requestId, inner),
            (HttpStatusCode.TooManyRequests, _) or (_, ErrorCodes.RateLimitExceeded) => new RateLimitedException(message, RetryDelay(retryAfter), requestId, inner),
            (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, _) or (_, ErrorCodes.AuthorizationError) => new UnauthorizedException(message, requestId, inner),
            (HttpStatusCode.RequestTimeout or HttpStatusCode.GatewayTimeout, _) or (_, ErrorCodes.Timeout) => new ApiTimeoutException(message, inner),
            (HttpStatusCode.BadRequest or HttpStatusCode.Conflict or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity, _) or (_, ErrorCodes.InvalidInput) =>
                new InvalidInputException(message, requestId, inner),
            _ => new RunsClientException(message, body?.Code ?? ErrorCodes.InternalError, requestId, inner),
        };
    }

    private static TimeSpan? RetryDelay(RetryConditionHeaderValue? header)
    {
        if (header?.Delta is { } delta)
        {
            return delta;
        }
        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    private static ErrorBody? TryReadEnvelope(string? content)
    {
        if (string.IsNullOrEmpty(content))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ErrorEnvelope>(content, ModelJson.Options)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
