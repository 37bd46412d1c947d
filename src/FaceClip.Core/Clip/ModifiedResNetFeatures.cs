using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>Every stage of a <see cref="ModifiedResNet"/> forward pass. The tensors belong to the caller.</summary>
public sealed record ModifiedResNetFeatures(Tensor Stem, Tensor Layer1, Tensor Layer2, Tensor Layer3, Tensor Layer4, Tensor Pooled) : IDisposable
{
    /// <summary>The output of <c>layer1</c>..<c>layer4</c> by number (1-4).</summary>
    public Tensor Layer(int index) => index switch
    {
        1 => Layer1,
        2 => Layer2,
        3 => Layer3,
        4 => Layer4,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "ModifiedResNet has layers 1 to 4."),
    };

    public void Dispose()
    {
        Stem.Dispose();
        Layer1.Dispose();
        Layer2.Dispose();
        Layer3.Dispose();
        Layer4.Dispose();
        Pooled.Dispose();
    }
}
