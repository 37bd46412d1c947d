using FaceClip.Core.Clip;
using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The paper's text-manipulation loss, <c>L_clip(st) = 1 − cos(E_i(I_r), E_t(st))</c>: how far the rendered image's
/// CLIP embedding is from the sentence's, averaged over the batch. Needs a model with a text tower.
/// </summary>
public sealed class ClipTextLoss
{
    private readonly ClipModel _model;
    private readonly ClipTokenizer? _tokenizer;

    public ClipTextLoss(ClipModel model, ClipTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.HasText)
        {
            throw new ArgumentException("The text loss needs a CLIP model with a text encoder (this one is an image tower only).", nameof(model));
        }

        _model = model;
        _tokenizer = tokenizer;
    }

    /// <summary>The sentence's text embedding (detached), to pass to <see cref="Forward(Tensor, Tensor)"/>.</summary>
    public Tensor EncodeText(string text)
    {
        var tokenizer = _tokenizer ?? throw new InvalidOperationException("No tokenizer was given; pass token ids to EncodeTokens instead.");
        using var tokens = tokenizer.Tokenize([text], _model.ContextLength);
        return EncodeTokens(tokens);
    }

    /// <summary>Text embeddings of token rows [T, context], detached.</summary>
    public Tensor EncodeTokens(Tensor tokens)
    {
        using var noGrad = no_grad();
        return _model.EncodeText(tokens);
    }

    /// <summary>The loss of rendered images [N, 3, H, W] in [0, 1] against a text embedding [1, D] or [N, D].</summary>
    public Tensor Forward(Tensor rendered01, Tensor textEmbedding)
    {
        using var scope = NewDisposeScope();
        var image = _model.EncodeImage01(rendered01);
        var cos = nn.functional.cosine_similarity(image, textEmbedding.to(image.device).expand_as(image), 1);
        return (1 - cos).mean().MoveToOuterDisposeScope();
    }

    public Tensor Forward(Tensor rendered01, string text)
    {
        using var scope = NewDisposeScope();
        return Forward(rendered01, EncodeText(text)).MoveToOuterDisposeScope();
    }
}
