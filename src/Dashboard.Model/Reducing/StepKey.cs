namespace Dashboard.Model.Reducing;

/// <summary>A step is identified by its id and, inside a loop, the iteration index.</summary>
public readonly record struct StepKey(string StepId, int? LoopIndex)
{
    public override string ToString() => LoopIndex is { } i ? $"{StepId}[{i}]" : StepId;
}
