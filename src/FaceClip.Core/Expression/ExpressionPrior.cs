namespace FaceClip.Core.Expression;

/// <summary>
/// What a critic knows of a prompt's plausible expression, per blendshape, for the transfer's regulariser: how
/// relevant each blendshape is (moving a relevant one costs <see cref="RaiseCost"/> of it, little), the prototype
/// level it is pulled up to, how strongly it is pulled towards zero as an antagonist, the cost of relaxing a
/// blendshape towards 0, whether the face stays left/right symmetric, whether the mapper starts from the prototype,
/// which blendshapes that the transfer keeps still by default (gaze) the prompt moves, and how much the critic's own
/// verdict counts (0 when it cannot judge what is asked: a seven-class expression net and a wink). The embedded critic
/// reads these from the prompt's target (<see cref="ExpressionPrototypes"/>); CLIP knows no prototype, so every
/// blendshape costs the same and there is none to start from.
/// </summary>
public sealed record ExpressionPrior(float[] Relevance, float[] Levels, float[] Antagonism, float[] RaiseCost, float RelaxCost, bool Symmetric, bool WarmStart)
{
    /// <summary>1 for a blendshape the prompt moves although the transfer keeps it still by default (gaze); else 0.</summary>
    public float[]? Freed { get; init; }

    /// <summary>Factor on the critic's loss for this prompt.</summary>
    public float CriticScale { get; init; } = 1;

    /// <summary>No prototype: every raise costs 1, a relaxation 4 × the on-prototype rate.</summary>
    public static ExpressionPrior Uniform(int blendshapes, bool symmetric, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ExpressionPrior(new float[blendshapes], new float[blendshapes], new float[blendshapes],
            Enumerable.Repeat(1f, blendshapes).ToArray(), (float)(options.OnPrototypeFactor * 4), symmetric, WarmStart: false);
    }

    /// <summary>The prototype of a target read from the prompt (<see cref="ExpressionPrototypes.Plan"/>), its levels
    /// times <see cref="TransferOptions.PrototypeLevel"/>.</summary>
    public static ExpressionPrior FromTarget(IReadOnlyList<string> blendshapeNames, ExpressionTarget target, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(blendshapeNames);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(blendshapeNames, target, options.PrototypeLevel);
        var raise = relevance.Select(r => (float)(((1 - r) * options.OffPrototypeFactor) + (r * options.OnPrototypeFactor))).ToArray();
        return new ExpressionPrior(relevance, levels, antagonism, raise, (float)options.OnPrototypeFactor, target.Symmetric, WarmStart: true)
        {
            Freed = blendshapeNames.Select(n => target.Actions.ContainsKey(n) ? 1f : 0f).ToArray(),
            CriticScale = target.JudgedByCritic ? 1 : 0,
        };
    }
}
