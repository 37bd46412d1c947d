namespace FaceClip.Core.Expression;

/// <summary>
/// One step of an expression transfer as it happens: the iteration, the loss terms (summed over the prompts) and each
/// prompt's critic loss, and every few iterations a preview strip (one render per prompt, left to right) and each
/// prompt's posed vertices. The last item of <see cref="ExpressionTransfer.RunAsync"/> has stage <c>done</c> and
/// carries the <see cref="Result"/>.
/// </summary>
public sealed record TransferProgress
{
    /// <summary><c>transfer</c> while optimising, <c>done</c> at the end.</summary>
    public required string Stage { get; init; }

    public required int Iteration { get; init; }

    public required int Iterations { get; init; }

    /// <summary>Share done, 0..1.</summary>
    public required double Fraction { get; init; }

    public required TimeSpan Elapsed { get; init; }

    /// <summary>critic, delta, sparsity, symmetry, range, prototype and total.</summary>
    public required IReadOnlyDictionary<string, double> Losses { get; init; }

    /// <summary>The critic's loss per prompt (request order).</summary>
    public required IReadOnlyList<double> PromptLosses { get; init; }

    /// <summary>PNG strip of the current renders over the photo crop, one per prompt.</summary>
    public byte[]? PreviewPng { get; init; }

    /// <summary>Posed vertex positions per prompt (x, y, z per vertex, the whole head).</summary>
    public IReadOnlyList<float[]>? Vertices { get; init; }

    public TransferResult? Result { get; init; }
}
