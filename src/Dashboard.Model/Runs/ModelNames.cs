namespace Dashboard.Model.Runs;

/// <summary>
/// A step's <c>modelUsed</c>: a <see cref="Labels">label</see>. Model names are keys of the fleet's cost by model and
/// cells of its table.
/// </summary>
public static class ModelNames
{
    public const int MaxLength = Labels.MaxLength;

    /// <summary>What is wrong with a model name, in words that finish "modelUsed …"; null when it is fine (or absent).</summary>
    public static string? Problem(string? model) => Labels.Problem(model);
}
