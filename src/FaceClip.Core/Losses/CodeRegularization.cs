using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>Keeps the codes plausible: Σα² + 0.8·Σβ² + 1.7e-2·Σt² per face (Deep3DFaceRecon's balance), and a
/// lighting term that pulls the three colour channels' SH coefficients towards their mean (white light).</summary>
public static class CodeRegularization
{
    public static Tensor Codes(Tensor shape, Tensor expression, Tensor texture) =>
        (shape.square().sum(1) + (expression.square().sum(1) * 0.8) + (texture.square().sum(1) * 1.7e-2)).mean();

    /// <summary>Lighting [B, 27] channel-major: mean squared deviation of each channel from the channel mean.</summary>
    public static Tensor MonochromeLighting(Tensor lighting)
    {
        var gamma = lighting.view(-1, 3, 9);
        return (gamma - gamma.mean([1], keepdim: true)).square().mean();
    }
}
