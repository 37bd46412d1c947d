using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The detail pass's photometric term: the colour residual between photo and render [B, 3, H, W] with its low
/// frequencies taken out (the residual minus its Gaussian blur of <c>sigma</c> pixels, both under the weights
/// [B, 1, H, W]), as the robust distance √(ε + ‖r‖²) averaged over the weights. What the coarse fit cannot explain at
/// large scales (the albedo model's colour, the light's shape) is not pushed into the displacement; the shading of
/// wrinkles, a few pixels wide, is.
/// </summary>
public static class DetailPhotometricLoss
{
    public static Tensor Compute(Tensor photo, Tensor render, Tensor weights, double sigma, double eps = 1e-6)
    {
        var residual = render - photo;
        var local = Gaussian.Blur(residual * weights, sigma) / Gaussian.Blur(weights, sigma).clamp_min(1e-6);
        var high = residual - local;
        return (((high.square().sum(1, keepdim: true) + eps).sqrt()) * weights).sum() / weights.sum().clamp_min(1.0);
    }
}

/// <summary>Separable Gaussian filtering of images [B, C, H, W] (zero outside the image; divide by the blurred
/// weights for a normalised filter).</summary>
public static class Gaussian
{
    public static Tensor Blur(Tensor images, double sigma)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sigma);
        var radius = (int)Math.Ceiling(3 * sigma);
        var taps = Enumerable.Range(-radius, (2 * radius) + 1).Select(x => Math.Exp(-(x * x) / (2 * sigma * sigma))).ToArray();
        var total = taps.Sum();
        var channels = images.shape[1];
        using var kernel = tensor(taps.Select(t => t / total).ToArray(), dtype: images.dtype, device: images.device);
        var horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1);
        var vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1);
        var blurred = nn.functional.conv2d(images, horizontal, padding: [0, radius], groups: channels);
        return nn.functional.conv2d(blurred, vertical, padding: [radius, 0], groups: channels);
    }
}
