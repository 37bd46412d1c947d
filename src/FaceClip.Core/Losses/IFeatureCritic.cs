using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The feature consistency loss <c>L_cl</c> between the photo and the render: CLIP's (RN50x4 layers 2-3 plus
/// ViT-B/32 semantics) where its weights are installed, else the same two-part form on the face-recognition network.
/// A critic is told its target once (the photo crop) and then scores renders.
/// </summary>
public interface IFeatureCritic : ICritic
{
    /// <summary>Encodes the target (the photo crop [1, 3, S, S] in [0, 1] and its recognition features), detached.</summary>
    void SetTarget(Tensor photoCrop01, RecognitionFeatures photoFeatures);

    /// <summary>L_cl for a render composited over the photo crop, [B, 3, S, S], with its recognition features (the
    /// face critic reuses them; the CLIP critic encodes the image itself).</summary>
    Tensor Loss(Tensor composite01, RecognitionFeatures renderFeatures);
}
