namespace Dashboard.Model.Runs;

/// <summary>
/// A step's <c>modelUsed</c>: at most 256 characters, none of them a control character. Model names are keys of the
/// fleet's cost by model and cells of its table, so a megabyte or a multi-line "name" is refused where it comes in.
/// </summary>
public static class ModelNames
{
    public const int MaxLength = 256;

    /// <summary>What is wrong with a model name, in words that finish "modelUsed …"; null when it is fine (or absent).</summary>
    public static string? Problem(string? model)
    {
        if (model is null)
        {
            return null;
        }
        if (model.Length > MaxLength)
        {
            return $"must be at most {MaxLength} characters (got {model.Length})";
        }
        foreach (var c in model)
        {
            if (char.IsControl(c))
            {
                return "must not contain control characters";
            }
        }
        return null;
    }
}
