using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>CLIP's activation: <c>x * sigmoid(1.702 x)</c>.</summary>
public sealed class QuickGelu() : nn.Module<Tensor, Tensor>("gelu")
{
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return (input * sigmoid(input * 1.702)).MoveToOuterDisposeScope();
    }
}
