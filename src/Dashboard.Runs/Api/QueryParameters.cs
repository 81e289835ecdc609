using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Dashboard.Runs.Api;

/// <summary>
/// A query parameter an endpoint reads from the request itself. The handlers read their query by hand (to answer every
/// bad value with an INVALID_INPUT that says what is expected, where binding would give a bare 400), so the OpenAPI
/// document saw none of them: <c>/openapi/v1.json</c>, which the 404s point to, listed <c>GET /api/runs</c> without
/// <c>status</c>, <c>limit</c> or <c>cursor</c>.
/// </summary>
/// <param name="Name">As in the URL.</param>
/// <param name="Description">What it does, its values and its default.</param>
/// <param name="Integer">A whole number (else text).</param>
/// <param name="Required">Whether a request without it is refused.</param>
public sealed record QueryParameter(string Name, string Description, bool Integer = false, bool Required = false)
{
    /// <summary>Every endpoint with a period reads these three alike.</summary>
    public static readonly QueryParameter[] Period =
    [
        new("from", "Start of the period (RFC 3339 with an offset); default `to` minus 24 hours."),
        new("to", "End of the period, exclusive (RFC 3339 with an offset); default now. At most 400 days after `from`."),
        new("workflowId", "Only this workflow's runs."),
    ];

    /// <summary>Reading a Durable Stream over HTTP: where to start and how to wait.</summary>
    public static readonly QueryParameter[] StreamRead =
    [
        new("offset", "Where to read from: `-1` (the beginning), `now` (the end, for live reads), or an offset a read returned."),
        new("live", "`long-poll` (wait for what comes next) or `sse` (Server-Sent Events); without it, what is there now."),
        new("cursor", "The `Stream-Cursor` of the last live read, sent back so that caches do not answer a long poll twice."),
    ];
}

/// <summary>The query parameters an endpoint documents (<see cref="QueryParameterDocs.WithQuery{TBuilder}"/>).</summary>
internal sealed record QueryParametersMetadata(IReadOnlyList<QueryParameter> Parameters);

public static class QueryParameterDocs
{
    /// <summary>Lists <paramref name="parameters"/> as the endpoint's query parameters in the OpenAPI document.</summary>
    public static TBuilder WithQuery<TBuilder>(this TBuilder builder, params QueryParameter[] parameters) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new QueryParametersMetadata(parameters));
}

/// <summary>Adds each operation's documented query parameters (<see cref="QueryParametersMetadata"/>) to the OpenAPI document.</summary>
internal sealed class QueryParametersTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var documented in context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParametersMetadata>())
        {
            operation.Parameters ??= [];
            foreach (var parameter in documented.Parameters)
            {
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = parameter.Name,
                    In = ParameterLocation.Query,
                    Description = parameter.Description,
                    Required = parameter.Required,
                    Schema = new OpenApiSchema { Type = parameter.Integer ? JsonSchemaType.Integer : JsonSchemaType.String },
                });
            }
        }
        return Task.CompletedTask;
    }
}
