using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>A CLIP image tower: takes CLIP-normalised images [N, 3, R, R] and returns embeddings [N, OutputDim].</summary>
public abstract class ClipImageEncoder(string name) : nn.Module<Tensor, Tensor>(name)
{
    /// <summary>The side of the square input the tower was trained on (224 for ViT-B/32, 288 for RN50x4).</summary>
    public abstract int InputResolution { get; }

    /// <summary>The embedding size.</summary>
    public abstract int OutputDim { get; }
}
