using FaceClip.Core.Losses;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// The critic used when CLIP's weights are not installed: face-api's expression net on the render's expression crop,
/// against the target distribution <see cref="ExpressionLexicon"/> reads from the prompt. The loss is the KL
/// divergence KL(target ‖ net) (zero when the net sees exactly the asked mix). The prompt embedding is the target
/// distribution itself.
/// </summary>
public sealed class EmbeddedExpressionCritic(FaceExpressionNet net) : IExpressionCritic
{
    private Tensor? _targets;
    private List<ExpressionTarget>? _read;

    public CriticKind Kind => CriticKind.Face;

    public string Description => "embedded: face-api expression net (7 classes) on the face crop vs the prompt's target distribution (lexicon), KL divergence";

    public int PromptDimensions => FaceExpressions.Names.Count;

    public IReadOnlyList<ExpressionTarget>? Targets => _read;

    public Tensor EmbedPrompts(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        _read = prompts.Select(ExpressionLexicon.Parse).ToList();
        _targets?.Dispose();
        var device = net.parameters().First().device;
        _targets = tensor(_read.SelectMany(t => t.Probabilities).ToArray(), device: device).view(prompts.Count, PromptDimensions);
        return _targets.clone();
    }

    public Tensor Loss(Tensor composites01, IReadOnlyList<FaceBox> expressionBoxes)
    {
        var targets = _targets ?? throw new InvalidOperationException("EmbedPrompts must be called before Loss.");
        using var scope = NewDisposeScope();
        targets = targets.repeat(ExpressionCriticViews.Count(composites01, targets), 1);
        var probabilities = net.Probabilities(ExpressionCrops.Extract(composites01, expressionBoxes));
        var logP = probabilities.clamp_min(1e-6).log();
        var entropy = (targets * targets.clamp_min(1e-12).log()).sum(1);
        return (entropy - (targets * logP).sum(1)).MoveToOuterDisposeScope();
    }

    public IReadOnlyList<ExpressionPrior> Priors(IReadOnlyList<string> blendshapeNames, TransferOptions options) =>
        (_read ?? throw new InvalidOperationException("EmbedPrompts must be called before Priors.")).Select(t => ExpressionPrior.FromTarget(blendshapeNames, t, options)).ToList();

    public void Dispose() => _targets?.Dispose();
}
