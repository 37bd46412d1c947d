using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The embedded feature consistency critic, used when no CLIP weights are installed: the paper's two-part form on
/// the face-recognition network. Geometric part: Σ_l w_l ‖F_l(I) − F_l(I_r)‖₂ / ‖F_l(I)‖₂ over two intermediate
/// feature maps (stage 2, 64×17×17, weight 1; stage 3, 128×8×8, weight 1/2), made relative so the term is on the
/// same scale as the semantic part whatever the feature magnitudes; semantic part: 1 − cos of the descriptors.
/// </summary>
public sealed class FaceFeatureCritic : IFeatureCritic
{
    private static readonly (int Index, double Weight)[] Layers = [(2, 1.0), (3, 0.5)];
    private Tensor[] _targets = [];
    private Tensor? _targetDescriptor;

    public CriticKind Kind => CriticKind.Face;

    public string Description => "face-recognition network (ResNet-34 stages 2 and 3, weights 1 and 1/2, plus descriptor cosine)";

    public void SetTarget(Tensor photoCrop01, RecognitionFeatures photoFeatures)
    {
        DisposeTargets();
        _targets = Layers.Select(l => photoFeatures.Features[l.Index].detach().clone().DetachFromDisposeScope()).ToArray();
        _targetDescriptor = photoFeatures.Descriptors.detach().clone().DetachFromDisposeScope();
    }

    public Tensor Loss(Tensor composite01, RecognitionFeatures renderFeatures)
    {
        if (_targetDescriptor is null)
        {
            throw new InvalidOperationException("SetTarget must be called before Loss.");
        }

        Tensor total = IdentityLoss.Compute(_targetDescriptor, renderFeatures.Descriptors);
        for (var i = 0; i < Layers.Length; i++)
        {
            var target = _targets[i];
            var rendered = renderFeatures.Features[Layers[i].Index];
            var difference = linalg.vector_norm((rendered - target).flatten(1), 2, [1]);
            var scale = linalg.vector_norm(target.flatten(1), 2, [1]).clamp_min(1e-6);
            total = total + ((difference / scale).mean() * Layers[i].Weight);
        }

        return total;
    }

    public void Dispose() => DisposeTargets();

    private void DisposeTargets()
    {
        foreach (var t in _targets)
        {
            t.Dispose();
        }

        _targetDescriptor?.Dispose();
        _targets = [];
        _targetDescriptor = null;
    }
}
