namespace FaceClip.Core.Optimisation;

/// <summary>The stable lower-case names of <see cref="OptimisationStage"/> (in JSON files, on the wire, in logs).</summary>
public static class OptimisationStages
{
    private static readonly Dictionary<OptimisationStage, string> Names = new()
    {
        [OptimisationStage.Pose] = "pose",
        [OptimisationStage.Shape] = "shape",
        [OptimisationStage.Full] = "full",
        [OptimisationStage.Detail] = "detail",
        [OptimisationStage.Transfer] = "transfer",
        [OptimisationStage.MapperTraining] = "mapper-training",
        [OptimisationStage.RegressorTraining] = "regressor-training",
        [OptimisationStage.Done] = "done",
    };

    private static readonly Dictionary<string, OptimisationStage> ByName = Names.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

    /// <summary>The stage's name: <c>pose</c>, <c>shape</c>, <c>full</c>, <c>detail</c>, <c>transfer</c>, ...</summary>
    public static string Name(this OptimisationStage stage) => Names[stage];

    /// <summary>The stage of a name written by <see cref="Name"/>.</summary>
    public static OptimisationStage Parse(string name) =>
        ByName.TryGetValue(name ?? string.Empty, out var stage) ? stage : throw new FormatException($"Unknown optimisation stage '{name}'.");
}
