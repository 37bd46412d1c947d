using FaceClip.Core.Clip;
using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The paper's semantic feature-consistency loss, <c>L_semantic = 1 − cos(CLIP(I), CLIP(I_r))</c> on the image
/// embeddings (ViT-B/32 in the paper; any CLIP image tower works), averaged over the batch. Images are [N, 3, H, W] in
/// [0, 1] and are resized and normalised differentiably.
/// </summary>
public sealed class ClipSemanticLoss(ClipModel model)
{
    private readonly ClipModel _model = model ?? throw new ArgumentNullException(nameof(model));

    public Tensor Forward(Tensor image01, Tensor rendered01)
    {
        using var scope = NewDisposeScope();
        return ForwardWithTargetEmbedding(_model.EncodeImage01(image01), rendered01).MoveToOuterDisposeScope();
    }

    /// <summary>The loss against a target embedding from <see cref="EncodeTarget"/> (computed once per target).</summary>
    public Tensor ForwardWithTargetEmbedding(Tensor targetEmbedding, Tensor rendered01)
    {
        using var scope = NewDisposeScope();
        var rendered = _model.EncodeImage01(rendered01);
        var cos = nn.functional.cosine_similarity(targetEmbedding.expand_as(rendered), rendered, 1);
        return (1 - cos).mean().MoveToOuterDisposeScope();
    }

    /// <summary>The target image's embedding, detached.</summary>
    public Tensor EncodeTarget(Tensor image01)
    {
        using var noGrad = no_grad();
        return _model.EncodeImage01(image01);
    }
}
