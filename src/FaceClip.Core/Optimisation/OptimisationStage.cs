namespace FaceClip.Core.Optimisation;

/// <summary>A stage of an optimisation, as progress reports and loss histories name it.</summary>
public enum OptimisationStage
{
    /// <summary>The fit's rigid pose from the landmarks.</summary>
    Pose,

    /// <summary>The fit's shape and expression from the landmarks.</summary>
    Shape,

    /// <summary>The fit's every code with every loss term.</summary>
    Full,

    /// <summary>The fit's optional displacement map.</summary>
    Detail,

    /// <summary>An expression transfer's mappers.</summary>
    Transfer,

    /// <summary>A mapper trained across many subjects.</summary>
    MapperTraining,

    /// <summary>The parameter regressor's training.</summary>
    RegressorTraining,

    /// <summary>The end: the report that carries the result.</summary>
    Done,
}
