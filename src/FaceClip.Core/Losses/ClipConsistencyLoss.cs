using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>The paper's CLIP feature-consistency loss, <c>L_cl = L_geometric + L_semantic</c> (RN50x4 layers 2-3 and
/// ViT-B/32 embeddings).</summary>
public sealed class ClipConsistencyLoss(ClipGeometricLoss geometric, ClipSemanticLoss semantic)
{
    public ClipGeometricLoss Geometric { get; } = geometric ?? throw new ArgumentNullException(nameof(geometric));

    public ClipSemanticLoss Semantic { get; } = semantic ?? throw new ArgumentNullException(nameof(semantic));

    public Tensor Forward(Tensor image01, Tensor rendered01)
    {
        using var scope = NewDisposeScope();
        return (Geometric.Forward(image01, rendered01) + Semantic.Forward(image01, rendered01)).MoveToOuterDisposeScope();
    }
}
