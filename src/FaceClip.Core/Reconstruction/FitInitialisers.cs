namespace FaceClip.Core.Reconstruction;

/// <summary>The lower-case names of <see cref="FitInitialiser"/> (<c>auto</c>, <c>regressor</c>, <c>landmarks</c>).</summary>
public static class FitInitialisers
{
    public static string Name(this FitInitialiser initialiser) => initialiser switch
    {
        FitInitialiser.Auto => "auto",
        FitInitialiser.Regressor => "regressor",
        FitInitialiser.Landmarks => "landmarks",
        _ => throw new ArgumentOutOfRangeException(nameof(initialiser)),
    };

    /// <summary>Reads <c>auto</c>, <c>regressor</c> or <c>landmarks</c> (any case).</summary>
    public static FitInitialiser Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "auto" => FitInitialiser.Auto,
        "regressor" => FitInitialiser.Regressor,
        "landmarks" => FitInitialiser.Landmarks,
        _ => throw new ArgumentException($"Unknown initialiser '{name}': use auto, regressor or landmarks.", nameof(name)),
    };
}
