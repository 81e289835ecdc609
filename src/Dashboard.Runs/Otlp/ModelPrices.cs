namespace Dashboard.Runs.Otlp;

/// <summary>A model's price per million tokens (<c>Runs:ModelPrices:{model}</c>); cached input at its own price when given.</summary>
public sealed class ModelPrice
{
    public decimal Input { get; set; }
    public decimal? CachedInput { get; set; }
    public decimal Output { get; set; }

    /// <summary>The cost of one call: cached input tokens (part of the input tokens) at their price, the rest at the input's.</summary>
    public decimal Cost(long input, long cached, long output) =>
        ((input - cached) * Input + cached * (CachedInput ?? Input) + output * Output) / 1_000_000m;
}
