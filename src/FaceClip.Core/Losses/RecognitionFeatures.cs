using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>The face-recognition network's output on an identity crop: the 128-D descriptor [B, 128] and the feature
/// maps after the stem and each residual stage.</summary>
public sealed record RecognitionFeatures(Tensor Descriptors, IReadOnlyList<Tensor> Features);
