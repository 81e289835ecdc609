using System.Text.Json;
using Dashboard.Model;
using Dashboard.Model.Runs;
using Microsoft.AspNetCore.Components;

namespace Dashboard.Components.Controls;

/// <summary>Two attempts of a step side by side on one field (input, output, mapped output or error): a line diff.</summary>
public sealed partial class AttemptCompare
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private LineDiff.Result _diff = new([], false);

    [Parameter]
    public StepTrace? Left { get; set; }

    [Parameter]
    public StepTrace? Right { get; set; }

    /// <summary>The left side as the step panel keeps it (payloads as text), instead of <see cref="Left"/>.</summary>
    [Parameter]
    public StepAttempt? LeftAttempt { get; set; }

    [Parameter]
    public StepAttempt? RightAttempt { get; set; }

    /// <summary>input, output, mapped or error.</summary>
    [Parameter]
    public string Field { get; set; } = "input";

    /// <summary>What the two sides are, when they are not two attempts of one step (two runs' attempts of a step, say).</summary>
    [Parameter]
    public string? Sides { get; set; }

    private (object? Left, object? Right, string Field)? _compared;

    private int? LeftNumber => LeftAttempt?.Attempt ?? Left?.Attempt;

    private int? RightNumber => RightAttempt?.Attempt ?? Right?.Attempt;

    protected override void OnParametersSet()
    {
        // Rendered again with the same sides (the page re-renders on each live event), the diff stands.
        var sides = ((object?)LeftAttempt ?? Left, (object?)RightAttempt ?? Right, Field);
        if (_compared is { } compared && ReferenceEquals(compared.Left, sides.Item1) && ReferenceEquals(compared.Right, sides.Item2) && compared.Field == Field)
        {
            return;
        }
        _compared = sides;
        _diff = LineDiff.Compare(LeftAttempt?.Text(Field) ?? Text(Left), RightAttempt?.Text(Field) ?? Text(Right));
    }

    private string? Text(StepTrace? attempt) => attempt is null ? null : Field switch
    {
        "output" => Json(attempt.OutputContext),
        "mapped" => Json(attempt.MappedOutput),
        "error" => attempt.ErrorContext is null ? null : JsonSerializer.Serialize(attempt.ErrorContext, Indented),
        _ => Json(attempt.InputContext),
    };

    private static string? Json(JsonElement? value) => value is { } v ? JsonSerializer.Serialize(v, Indented) : null;
}
