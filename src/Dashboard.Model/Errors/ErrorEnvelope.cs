namespace Dashboard.Model.Errors;

/// <summary>The one error shape of the API: <c>{"error":{"code","message","requestId"}}</c>.</summary>
public sealed record ErrorEnvelope(ErrorBody Error);

public sealed record ErrorBody(string Code, string Message, string? RequestId = null);
