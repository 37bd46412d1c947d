namespace FaceClip.Core.Optimisation;

/// <summary>
/// One step of any optimisation as it happens — a fit's stage, the detail pass, an expression transfer, a mapper's or
/// the regressor's training: the stage, the iteration within it, the share of the whole run done and the time left,
/// every loss term, and every few steps a preview PNG and posed vertices. The last report of a run has stage
/// <see cref="OptimisationStage.Done"/> and carries the <see cref="Result"/>.
/// </summary>
/// <typeparam name="TResult">What the run makes (a reconstruction, a transfer, a trained network).</typeparam>
public sealed record OptimisationProgress<TResult>
    where TResult : class
{
    public required OptimisationStage Stage { get; init; }

    /// <summary>The step within the stage, from 1 (0 for a report outside any step).</summary>
    public required int Iteration { get; init; }

    /// <summary>The stage's steps.</summary>
    public required int StageIterations { get; init; }

    /// <summary>Share of the whole run done, 0..1.</summary>
    public required double Fraction { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Weighted loss terms by name and their sum as <c>total</c> (summed over the items of a batch).</summary>
    public required IReadOnlyDictionary<string, double> Losses { get; init; }

    /// <summary>The main term per item where one step optimises several (an expression transfer's critic loss per
    /// prompt, in request order); empty otherwise.</summary>
    public IReadOnlyList<double> ItemLosses { get; init; } = [];

    /// <summary>Which item of a training set this step used (a mapper's subject), or null.</summary>
    public int? Item { get; init; }

    /// <summary>The learning rate of the step, where a schedule changes it.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Steps skipped so far because their gradient was not finite.</summary>
    public int SkippedSteps { get; init; }

    /// <summary>A small PNG of the current render(s) over the photo crop, every few steps.</summary>
    public byte[]? PreviewPng { get; init; }

    /// <summary>Posed vertex positions in model units (x, y, z per vertex, the whole head), one array per item, every
    /// few steps.</summary>
    public IReadOnlyList<float[]>? Vertices { get; init; }

    public TResult? Result { get; init; }

    /// <summary>Estimated time to the end of the whole run.</summary>
    public TimeSpan? Remaining => Fraction > 0.02 && Fraction < 1 ? Elapsed * ((1 - Fraction) / Fraction) : Fraction >= 1 ? TimeSpan.Zero : null;
}
