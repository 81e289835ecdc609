using Dashboard.Model.Comparing;
using Dashboard.Model.Runs;

namespace Dashboard.Model;

/// <summary>One opened row of the run comparison: both runs' latest attempts of the step and the field shown.</summary>
public sealed class CompareDiff
{
    public static readonly string[] Fields = ["input", "output", "mapped", "error"];

    public StepTrace? Left { get; set; }
    public StepTrace? Right { get; set; }
    public string Field { get; set; } = "output";
    public string? Problem { get; set; }

    /// <summary>The field a row opens on: where the two runs differ.</summary>
    public static string FieldFor(StepDifference difference) => difference switch
    {
        StepDifference.Input => "input",
        StepDifference.Error or StepDifference.Status => "error",
        _ => "output",
    };
}
