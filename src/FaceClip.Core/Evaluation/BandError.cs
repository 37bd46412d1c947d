using FaceClip.Core.Losses;
using static TorchSharp.torch;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// The photometric error in a fine band: the mean absolute difference, over weighted pixels, of the photo's and the
/// render's luminance filtered by a difference of Gaussians (σ 0.75 and 2 pixels of a 224-pixel crop, each
/// normalised by the blurred weights): the scale of wrinkles and pores, below that of the face's shape.
/// </summary>
public static class BandError
{
    public const double Fine = 0.75;
    public const double Coarse = 2.0;

    /// <summary>The crop's side over 224: the band's σ scale with it.</summary>
    public static double ScaleOf(Tensor image) => image.shape[3] / 224.0;

    public static float Compute(Tensor photo, Tensor render, Tensor weights, double scale)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var w = weights.detach();
        var difference = Band(Luminance(photo), w, scale) - Band(Luminance(render), w, scale);
        return ((difference.abs() * w).sum() / w.sum().clamp_min(1)).item<float>();
    }

    private static Tensor Luminance(Tensor rgb) =>
        (rgb.narrow(1, 0, 1) * 0.299) + (rgb.narrow(1, 1, 1) * 0.587) + (rgb.narrow(1, 2, 1) * 0.114);

    private static Tensor Band(Tensor image, Tensor weights, double scale)
    {
        Tensor Smooth(double sigma) => Gaussian.Blur(image * weights, sigma * scale) / Gaussian.Blur(weights, sigma * scale).clamp_min(1e-6);
        return Smooth(Fine) - Smooth(Coarse);
    }
}
