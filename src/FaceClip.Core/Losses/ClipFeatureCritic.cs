using FaceClip.Core.Clip;
using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The paper's feature consistency critic: <see cref="ClipConsistencyLoss"/> with RN50x4 (layers 2 and 3, weights 1
/// and 1/2) and ViT-B/32 (1 − cos of the image embeddings). The photo's features are encoded once per fit.
/// </summary>
public sealed class ClipFeatureCritic(ClipGeometricLoss geometric, ClipSemanticLoss semantic) : IFeatureCritic
{
    private Dictionary<int, Tensor>? _targetLayers;
    private Tensor? _targetEmbedding;

    /// <summary>Loads OpenAI's RN50x4 and ViT-B/32 from the model store (frozen, on <paramref name="device"/>).</summary>
    public static (ClipModel ResNet, ClipModel Vit) LoadModels(ModelStore store, Device device)
    {
        var resnet = ClipLoader.Load(ClipAssets.ResolveModel(store, "RN50x4"), device).Freeze();
        var vit = ClipLoader.Load(ClipAssets.ResolveModel(store, "ViT-B/32"), device).Freeze();
        return (resnet, vit);
    }

    public CriticKind Kind => CriticKind.Clip;

    public string Description => "CLIP RN50x4 layers 2 and 3 (weights 1 and 1/2) plus ViT-B/32 image-embedding cosine";

    public void SetTarget(Tensor photoCrop01, RecognitionFeatures photoFeatures)
    {
        DisposeTargets();
        _targetLayers = geometric.EncodeTargetLayers(photoCrop01);
        foreach (var t in _targetLayers.Values)
        {
            t.DetachFromDisposeScope();
        }

        _targetEmbedding = semantic.EncodeTarget(photoCrop01).DetachFromDisposeScope();
    }

    public Tensor Loss(Tensor composite01, RecognitionFeatures renderFeatures)
    {
        if (_targetLayers is null || _targetEmbedding is null)
        {
            throw new InvalidOperationException("SetTarget must be called before Loss.");
        }

        return geometric.Forward(_targetLayers, composite01) + semantic.ForwardWithTargetEmbedding(_targetEmbedding, composite01);
    }

    public void Dispose() => DisposeTargets();

    private void DisposeTargets()
    {
        foreach (var t in _targetLayers?.Values ?? Enumerable.Empty<Tensor>())
        {
            t.Dispose();
        }

        _targetEmbedding?.Dispose();
        _targetLayers = null;
        _targetEmbedding = null;
    }
}
