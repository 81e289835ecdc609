using Dashboard.Model.Errors;
using Dashboard.Model.Json;

namespace Dashboard.Runs.Api;

/// <summary>Writes the one error envelope <c>{"error":{"code","message","requestId"}}</c> with the seeds' codes.</summary>
public static class ApiError
{
    public static Task WriteAsync(HttpContext context, int status, string code, string message)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        return response.WriteAsJsonAsync(new ErrorEnvelope(new ErrorBody(code, message, context.TraceIdentifier)), ModelJson.Options);
    }

    public static IResult Result(HttpContext context, int status, string code, string message) =>
        Results.Json(new ErrorEnvelope(new ErrorBody(code, message, context.TraceIdentifier)), ModelJson.Options, statusCode: status);

    /// <summary>Unknown and out-of-scope runs answer exactly alike, so a key cannot learn that a run exists.</summary>
    public static IResult RunNotFound(HttpContext context) =>
        Result(context, StatusCodes.Status404NotFound, ErrorCodes.ResourceNotFound, "No run with this id.");

    public static IResult Invalid(HttpContext context, string message) =>
        Result(context, StatusCodes.Status400BadRequest, ErrorCodes.InvalidInput, message);

    /// <summary>The error a protocol status maps to, for stream reads served through the API.</summary>
    public static Task FromStreamStatusAsync(HttpContext context, int status, string message) => status switch
    {
        404 or 410 => WriteAsync(context, 404, ErrorCodes.ResourceNotFound, "No run with this id."),
        400 => WriteAsync(context, 400, ErrorCodes.InvalidInput, message),
        _ => WriteAsync(context, status, ErrorCodes.InternalError, message),
    };
}
