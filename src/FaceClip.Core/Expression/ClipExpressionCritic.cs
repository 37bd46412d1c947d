using FaceClip.Core.Clip;
using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// The paper's text manipulation loss <c>L_clip(st) = 1 − cos(E_i(I_r), E_t(st))</c> with CLIP (ViT-B/32): the render
/// composited over the photo crop against each prompt's text embedding. Any text works. The prompt embedding given to
/// the mapper is the normalised text embedding.
/// </summary>
public sealed class ClipExpressionCritic(ClipModel model, ClipTokenizer tokenizer, string modelName = "ViT-B/32", PromptReader? reader = null) : IExpressionCritic
{
    private Tensor? _text;
    private int? _width;
    private IReadOnlyList<string>? _prompts;

    public CriticKind Kind => CriticKind.Clip;

    public string Description => $"CLIP {modelName}: 1 − cos(image embedding of the render over the photo crop, text embedding of the prompt)";

    public int PromptDimensions => _width ??= EmbeddingWidth();

    public IReadOnlyList<ExpressionTarget>? Targets => null;

    public Tensor EmbedPrompts(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var tokens = tokenizer.Tokenize(prompts.ToArray(), model.ContextLength);
        var text = model.EncodeText(tokens);
        text = text / text.norm(1, keepdim: true);
        _text?.Dispose();
        _text = text.detach().DetachFromDisposeScope();
        _prompts = prompts.ToArray();
        return _text.clone().MoveToOuterDisposeScope();
    }

    public Tensor Loss(Tensor composites01, IReadOnlyList<FaceBox> expressionBoxes)
    {
        var text = _text ?? throw new InvalidOperationException("EmbedPrompts must be called before Loss.");
        using var scope = NewDisposeScope();
        var image = model.EncodeImage01(composites01);
        var cos = nn.functional.cosine_similarity(image, text.to(image.device).repeat(ExpressionCriticViews.Count(composites01, text), 1), 1);
        return (1 - cos).MoveToOuterDisposeScope();
    }

    private int EmbeddingWidth()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var tokens = tokenizer.Tokenize(["a face"], model.ContextLength);
        return (int)model.EncodeText(tokens).shape[1];
    }

    /// <summary>CLIP knows no prototype: every blendshape costs the same. The face stays symmetric unless the prompt, as
    /// the sentence-embedding model reads it (<see cref="PromptReader"/>), asks for one side; a prompt it cannot read at
    /// all stays symmetric.</summary>
    public IReadOnlyList<ExpressionPrior> Priors(IReadOnlyList<string> blendshapeNames, TransferOptions options)
    {
        ArgumentNullException.ThrowIfNull(blendshapeNames);
        var prompts = _prompts ?? throw new InvalidOperationException("EmbedPrompts must be called before Priors.");
        var prompter = reader ?? PromptReader.Shared;
        return prompts.Select(p => ExpressionPrior.Uniform(blendshapeNames.Count, prompter.TryRead(p, out _)?.Symmetric ?? true, options)).ToList();
    }

    public void Dispose() => _text?.Dispose();
}
