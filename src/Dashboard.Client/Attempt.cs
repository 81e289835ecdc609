using System.Globalization;

namespace Dashboard.Client;

/// <summary>Which attempt(s) of a step to fetch: the latest (default), all of them, or attempt N.</summary>
public readonly record struct Attempt
{
    private Attempt(int number) => Number = number;

    /// <summary>0 for latest, -1 for all, else the attempt number.</summary>
    private int Number { get; }

    public static Attempt Latest => default;

    public static Attempt All => new(-1);

    public static Attempt Of(int number) =>
        number >= 1 ? new Attempt(number) : throw new ArgumentOutOfRangeException(nameof(number), "Attempts are numbered from 1.");

    public bool IsAll => Number == -1;

    public static implicit operator Attempt(int number) => Of(number);

    public override string ToString() => Number switch
    {
        0 => "latest",
        -1 => "all",
        _ => Number.ToString(CultureInfo.InvariantCulture),
    };
}
