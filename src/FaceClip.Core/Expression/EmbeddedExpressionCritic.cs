using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// The critic used when CLIP's weights are not installed: face-api's expression net on the render's expression crop,
/// against the target distribution <see cref="PromptReader"/> reads from the prompt. The loss is the KL divergence
/// KL(target ‖ net) (zero when the net sees exactly the asked mix). The prompt embedding the mapper reads is the target
/// itself: the seven class probabilities, then per blendshape the level the prompt's movements ask (−1 for one it
/// refuses, 0 for the rest).
/// </summary>
public sealed class EmbeddedExpressionCritic(FaceExpressionNet net, IReadOnlyList<string> blendshapeNames, PromptReader? reader = null) : IExpressionCritic
{
    private Tensor? _targets;
    private List<ExpressionTarget>? _read;

    public CriticKind Kind => CriticKind.Face;

    public string Description => "embedded: face-api expression net (7 classes) on the face crop vs the prompt's target distribution (read by a sentence-embedding model), KL divergence";

    public int PromptDimensions => FaceExpressions.Names.Count + blendshapeNames.Count;

    public IReadOnlyList<ExpressionTarget>? Targets => _read;

    public Tensor EmbedPrompts(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var prompter = reader ?? PromptReader.Shared;
        _read = prompts.Select(prompter.Read).ToList();
        _targets?.Dispose();
        var device = net.parameters().First().device;
        _targets = tensor(_read.SelectMany(t => t.Probabilities).ToArray(), device: device).view(prompts.Count, FaceExpressions.Names.Count);
        var movements = _read.SelectMany(t => blendshapeNames.Select(n => t.Actions.TryGetValue(n, out var level) ? level : t.Relaxed.Contains(n) ? -1f : 0f)).ToArray();
        using var actions = tensor(movements, device: device).view(prompts.Count, blendshapeNames.Count);
        return cat([_targets, actions], 1);
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
