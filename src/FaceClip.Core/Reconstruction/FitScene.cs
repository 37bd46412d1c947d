using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>What a fit was made against: the photo and its analysis, the chosen face, its crop (pixels [1, 3, S, S]
/// in [0, 1]), the crop's camera and the prepared loss target.</summary>
internal sealed record FitScene(FaceImage Image, FaceAnalysis Analysis, int FaceIndex, DetectedFace Face, FaceCrop Crop, Tensor Photo,
    PerspectiveCamera Camera, ReconstructionTarget Target);
