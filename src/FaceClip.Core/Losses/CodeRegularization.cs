using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>Keeps the codes plausible: Σα² + 0.8·Σβ² + 1.7e-2·Σt² per face (Deep3DFaceRecon's balance), and a
/// lighting term that pulls the three colour channels' SH coefficients towards their mean (white light).</summary>
public static class CodeRegularization
{
    public static Tensor Codes(Tensor shape, Tensor expression, Tensor texture) =>
        (shape.square().sum(1) + (expression.square().sum(1) * 0.8) + (texture.square().sum(1) * 1.7e-2)).mean();

    /// <summary>
    /// Twice the negative log prior of the codes, per face, averaged over the batch: the identity N(0, 1) per mode
    /// (Σα²); each expression weight exponential with mean <paramref name="expressionScale"/> on [0, 1] (2Σβ/b: sparse,
    /// and with the fit's projection onto [0, 1], non-negative); the texture as Deep3DFaceRecon's 1.7e-2 Σt².
    /// </summary>
    public static Tensor Prior(Tensor shape, Tensor expression, Tensor texture, double expressionScale) =>
        (shape.square().sum(1) + (expression.abs().sum(1) * (2 / expressionScale)) + (texture.square().sum(1) * 1.7e-2)).mean();

    /// <summary>Lighting [B, 27] channel-major: mean squared deviation of each channel from the channel mean.</summary>
    public static Tensor MonochromeLighting(Tensor lighting)
    {
        var gamma = lighting.view(-1, 3, 9);
        return (gamma - gamma.mean([1], keepdim: true)).square().mean();
    }
}
