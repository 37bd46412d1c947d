using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>The landmark loss Σ_i w_i ‖p_i − q_i‖² / (B·68), points [B, 68, 2] in crop pixels, with per-landmark
/// weights: Deep3DFaceRecon's (<see cref="DefaultWeights"/>) or the inverse variances of a noise model
/// (<see cref="NoiseWeights"/>).</summary>
public static class LandmarkLoss
{
    /// <summary>
    /// How noisy each of the 68 detected landmarks is relative to the typical one (σ_i / σ): the jaw line 2 (a
    /// silhouette with no feature along it: detectors and people disagree most there), the brows 1.5 (a soft edge with
    /// no clear top), the nose ridge 1.25 (its depth is seen edge-on), the nose base, eyes and lips 1. These are the
    /// error ratios that landmark benchmarks report by region (300-W, WFLW: contour errors about twice the inner
    /// points'), not fitted to any photo.
    /// </summary>
    public static float[] NoiseScales()
    {
        var s = Enumerable.Repeat(1f, 68).ToArray();
        for (var i = 0; i < 17; i++)
        {
            s[i] = 2f;
        }

        for (var i = 17; i < 27; i++)
        {
            s[i] = 1.5f;
        }

        for (var i = 27; i < 31; i++)
        {
            s[i] = 1.25f;
        }

        return s;
    }

    /// <summary>The weights of a maximum a-posteriori fit: 1 / (σ_i / σ)² per landmark (<see cref="NoiseScales"/>).</summary>
    public static float[] NoiseWeights() => NoiseScales().Select(s => 1f / (s * s)).ToArray();

    /// <summary>Deep3DFaceRecon's weights: 20 on the nose ridge (landmarks 28-30, zero-based) and the inner mouth
    /// (60-67), 1 elsewhere.</summary>
    public static float[] DefaultWeights()
    {
        var w = Enumerable.Repeat(1f, 68).ToArray();
        for (var i = 28; i < 31; i++)
        {
            w[i] = 20f;
        }

        for (var i = 60; i < 68; i++)
        {
            w[i] = 20f;
        }

        return w;
    }

    public static Tensor Compute(Tensor predicted, Tensor target, Tensor weights)
    {
        var squared = (predicted - target).square().sum(-1) * weights;
        return squared.sum() / (predicted.shape[0] * predicted.shape[1]);
    }
}
