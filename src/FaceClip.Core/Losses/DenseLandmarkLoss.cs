using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>
/// The dense landmark term: for points [B, P, 2] in crop pixels against their targets, Σ_i w_i log(1 + ‖p_i − q_i‖² /
/// σ_i²) per face, averaged over the batch — twice the negative log-likelihood of a Cauchy (Lorentzian) noise model,
/// up to a constant: like r²/σ² for a small error, growing only logarithmically for a point the network got wrong.
/// </summary>
public static class DenseLandmarkLoss
{
    /// <param name="predicted">Projected model points [B, P, 2].</param>
    /// <param name="target">The network's points [B, P, 2].</param>
    /// <param name="weights">Each point's weight [P] (0 leaves a point out).</param>
    /// <param name="sigma">Each point's noise scale in pixels [P].</param>
    public static Tensor Compute(Tensor predicted, Tensor target, Tensor weights, Tensor sigma)
    {
        var scaled = (predicted - target).square().sum(-1) / sigma.square();
        return (scaled.log1p() * weights).sum(-1).mean();
    }
}
