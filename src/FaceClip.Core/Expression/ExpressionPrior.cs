namespace FaceClip.Core.Expression;

/// <summary>
/// What a critic knows of a prompt's plausible expression, per blendshape, for the transfer's regulariser: how
/// relevant each blendshape is (moving a relevant one costs <see cref="RaiseCost"/> of it, little), the prototype
/// level it is pulled up to, how strongly it is pulled towards zero as an antagonist, the cost of relaxing a
/// blendshape towards 0, whether the face stays left/right symmetric, and whether the mapper starts from the
/// prototype. The embedded critic reads these from the prompt's target (<see cref="ExpressionPrototypes"/>); CLIP
/// knows no prototype, so every blendshape costs the same and there is none to start from.
/// </summary>
public sealed record ExpressionPrior(float[] Relevance, float[] Levels, float[] Antagonism, float[] RaiseCost, float RelaxCost, bool Symmetric, bool WarmStart)
{
    /// <summary>No prototype: every raise costs 1, a relaxation 4 × the on-prototype rate; symmetric unless the prompt
    /// asks for one side.</summary>
    public static ExpressionPrior Uniform(int blendshapes, string prompt, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ExpressionPrior(new float[blendshapes], new float[blendshapes], new float[blendshapes],
            Enumerable.Repeat(1f, blendshapes).ToArray(), (float)(options.OnPrototypeFactor * 4), !ExpressionLexicon.IsOneSided(prompt), WarmStart: false);
    }

    /// <summary>The prototype of a target read from the prompt (<see cref="ExpressionPrototypes.Plan"/>), at the
    /// target's intensity times <see cref="TransferOptions.PrototypeLevel"/>.</summary>
    public static ExpressionPrior FromTarget(IReadOnlyList<string> blendshapeNames, ExpressionTarget target, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(blendshapeNames, target.Probabilities, target.Intensity * options.PrototypeLevel);
        var raise = relevance.Select(r => (float)(((1 - r) * options.OffPrototypeFactor) + (r * options.OnPrototypeFactor))).ToArray();
        return new ExpressionPrior(relevance, levels, antagonism, raise, (float)options.OnPrototypeFactor, target.Symmetric, WarmStart: true);
    }
}
