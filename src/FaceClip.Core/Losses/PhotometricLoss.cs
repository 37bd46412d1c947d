using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// Deep3DFaceRecon's photometric loss: the per-pixel colour distance √(ε + ‖I − I_r‖²) averaged over a weighted
/// mask (coverage × skin probability × robust weight), images [B, 3, H, W] in [0, 1], mask [B, 1, H, W].
/// </summary>
public static class PhotometricLoss
{
    public static Tensor Compute(Tensor photo, Tensor render, Tensor weights, double eps = 1e-6)
    {
        var distance = ((photo - render).square().sum(1, keepdim: true) + eps).sqrt();
        return (distance * weights).sum() / weights.sum().clamp_min(1.0);
    }

    /// <summary>Per-pixel colour distance, [B, 1, H, W].</summary>
    public static Tensor PixelError(Tensor photo, Tensor render) =>
        (photo - render).square().sum(1, keepdim: true).sqrt();

    /// <summary>
    /// Down-weights pixels whose error is far above the typical error inside the mask (hair, glasses, hands): weight 1
    /// up to <paramref name="factor"/> times the median error, then falling off as (t/e)². No gradient.
    /// </summary>
    public static Tensor RobustWeights(Tensor photo, Tensor render, Tensor mask, double factor = 2.5)
    {
        using var noGrad = no_grad();
        var error = PixelError(photo, render);
        var inside = error.masked_select(mask > 0.5);
        if (inside.numel() == 0)
        {
            return mask.clone();
        }

        var threshold = inside.median().clamp_min(0.02) * factor;
        var weight = (threshold / error.clamp_min(1e-6)).square().clamp_max(1.0);
        return weight * mask;
    }
}
