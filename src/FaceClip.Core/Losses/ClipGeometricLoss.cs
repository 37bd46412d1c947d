using FaceClip.Core.Clip;
using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The paper's geometric feature-consistency loss,
/// <c>L_geometric = Σ_l w_l ‖CLIP_l(I) − CLIP_l(I_r)‖₂</c> over ModifiedResNet stages (by default layer2 with weight 1
/// and layer3 with weight 1/2, on RN50x4): the L2 norm of each image's flattened feature difference, averaged over the
/// batch. Images are [N, 3, H, W] in [0, 1]; they are resized and normalised differentiably
/// (<see cref="ClipPreprocess.PrepareTensor"/>), so gradients reach the rendered image.
/// </summary>
public sealed class ClipGeometricLoss
{
    private readonly ClipModel _model;
    private readonly KeyValuePair<int, double>[] _weights;

    public ClipGeometricLoss(ClipModel model, IReadOnlyDictionary<int, double>? layerWeights = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Visual is not ModifiedResNet)
        {
            throw new ArgumentException("The geometric CLIP loss needs a ModifiedResNet image tower (RN50x4 in the paper), not a ViT.", nameof(model));
        }

        _model = model;
        _weights = (layerWeights ?? DefaultWeights).OrderBy(kv => kv.Key).ToArray();
        if (_weights.Length == 0 || _weights.Any(kv => kv.Key is < 1 or > 4))
        {
            throw new ArgumentException("Layer weights must name ModifiedResNet layers 1 to 4.", nameof(layerWeights));
        }
    }

    /// <summary>The paper's weights: layer2 → 1, layer3 → 1/2.</summary>
    public static IReadOnlyDictionary<int, double> DefaultWeights { get; } = new Dictionary<int, double> { [2] = 1.0, [3] = 0.5 };

    public IReadOnlyList<KeyValuePair<int, double>> LayerWeights => _weights;

    /// <summary>The loss between target images <paramref name="image01"/> and rendered images
    /// <paramref name="rendered01"/> (same batch size, or a target batch of 1 broadcast).</summary>
    public Tensor Forward(Tensor image01, Tensor rendered01)
    {
        using var scope = NewDisposeScope();
        var target = EncodeLayers(image01);
        return Forward(target, rendered01).MoveToOuterDisposeScope();
    }

    /// <summary>The loss against target features from <see cref="EncodeTargetLayers"/> (computed once per target).</summary>
    public Tensor Forward(IReadOnlyDictionary<int, Tensor> targetLayers, Tensor rendered01)
    {
        using var scope = NewDisposeScope();
        var rendered = EncodeLayers(rendered01);
        Tensor? total = null;
        foreach (var (layer, weight) in _weights)
        {
            var difference = (targetLayers[layer] - rendered[layer]).flatten(1);
            var term = linalg.vector_norm(difference, 2, [1]).mean() * weight;
            total = total is null ? term : total + term;
        }

        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>The target's layer outputs, detached (no gradient to the target).</summary>
    public Dictionary<int, Tensor> EncodeTargetLayers(Tensor image01)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var layers = EncodeLayers(image01);
        foreach (var t in layers.Values)
        {
            t.MoveToOuterDisposeScope();
        }

        return layers;
    }

    private Dictionary<int, Tensor> EncodeLayers(Tensor image01)
    {
        var last = _weights[^1].Key;
        var input = ClipPreprocess.PrepareTensor(image01, _model.ImageResolution);
        var features = _model.EncodeImageFeatures(input, last);
        return _weights.ToDictionary(kv => kv.Key, kv => features.Layer(kv.Key));
    }
}
