using FaceClip.Core.Losses;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>What a batch of faces is fitted to: photo crops [B, 3, S, S] in [0, 1], detected landmarks [B, 68, 2] in
/// crop pixels, the identity boxes, the photos' recognition features and the skin probability [B, 1, S, S].</summary>
public sealed record ReconstructionTarget(Tensor Photo, Tensor Landmarks, FaceBox[] IdentityBoxes, RecognitionFeatures PhotoFeatures, Tensor Skin);
