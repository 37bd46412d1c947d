namespace FaceClip.Core.Reconstruction;

/// <summary>
/// One step of a fit as it happens: the stage, the iteration within it, every loss term, the time so far, and every
/// few iterations a small preview PNG (the render over the photo crop) and the current vertex positions. The last
/// item of <see cref="Reconstructor.RunAsync"/> carries the <see cref="Result"/>.
/// </summary>
public sealed record FitProgress
{
    public required string Stage { get; init; }
    public required int Iteration { get; init; }
    public required int StageIterations { get; init; }

    /// <summary>Share of the whole fit done, 0..1.</summary>
    public required double Fraction { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>Weighted loss terms by name (photo, landmarks, identity, regularization, consistency, lighting) and
    /// their sum as <c>total</c>.</summary>
    public required IReadOnlyDictionary<string, double> Losses { get; init; }

    public byte[]? PreviewPng { get; init; }

    /// <summary>Posed vertex positions in model units (x, y, z per vertex), the whole head.</summary>
    public float[]? Vertices { get; init; }

    public ReconstructionResult? Result { get; init; }

    /// <summary>Estimated time to the end of the fit.</summary>
    public TimeSpan? Remaining => Fraction > 0.02 ? Elapsed * ((1 - Fraction) / Fraction) : null;
}
