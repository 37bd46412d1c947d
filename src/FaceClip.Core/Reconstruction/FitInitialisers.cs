using FaceClip.Core.Runtime;

namespace FaceClip.Core.Reconstruction;

/// <summary>The names of <see cref="FitInitialiser"/>: <c>auto</c>, <c>regressor</c>, <c>landmarks</c>.</summary>
public static class FitInitialisers
{
    public static EnumNames<FitInitialiser> Names { get; } = new("initialiser", new Dictionary<FitInitialiser, string>
    {
        [FitInitialiser.Auto] = "auto",
        [FitInitialiser.Regressor] = "regressor",
        [FitInitialiser.Landmarks] = "landmarks",
    });

    public static string Name(this FitInitialiser initialiser) => Names.Name(initialiser);

    /// <summary>Reads <c>auto</c>, <c>regressor</c> or <c>landmarks</c> (any case).</summary>
    public static FitInitialiser Parse(string? name) => Names.Parse(name);
}
