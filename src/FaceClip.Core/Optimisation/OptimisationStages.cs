using FaceClip.Core.Runtime;

namespace FaceClip.Core.Optimisation;

/// <summary>The stable lower-case names of <see cref="OptimisationStage"/> (in JSON files, on the wire, in logs).</summary>
public static class OptimisationStages
{
    public static EnumNames<OptimisationStage> Names { get; } = new("optimisation stage", new Dictionary<OptimisationStage, string>
    {
        [OptimisationStage.Pose] = "pose",
        [OptimisationStage.Shape] = "shape",
        [OptimisationStage.Full] = "full",
        [OptimisationStage.Detail] = "detail",
        [OptimisationStage.Transfer] = "transfer",
        [OptimisationStage.MapperTraining] = "mapper-training",
        [OptimisationStage.RegressorTraining] = "regressor-training",
        [OptimisationStage.Done] = "done",
    });

    /// <summary>The stage's name: <c>pose</c>, <c>shape</c>, <c>full</c>, <c>detail</c>, <c>transfer</c>, ...</summary>
    public static string Name(this OptimisationStage stage) => Names.Name(stage);

    /// <summary>The stage of a name written by <see cref="Name"/>.</summary>
    public static OptimisationStage Parse(string name) => Names.Parse(name);
}
