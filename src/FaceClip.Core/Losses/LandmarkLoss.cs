using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>Deep3DFaceRecon's landmark loss: Σ_i w_i ‖p_i − q_i‖² / (B·68), points [B, 68, 2] in crop pixels, with
/// weight 20 on the nose ridge (landmarks 28-30, zero-based) and the inner mouth (60-67), 1 elsewhere.</summary>
public static class LandmarkLoss
{
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
