using static TorchSharp.torch;

namespace FaceClip.Core.Losses;

/// <summary>The identity loss: 1 − cos(d(I), d(I_r)) of face-recognition descriptors, averaged over the batch.</summary>
public static class IdentityLoss
{
    public static Tensor Compute(Tensor targetDescriptors, Tensor renderDescriptors) =>
        (1 - nn.functional.cosine_similarity(targetDescriptors.expand_as(renderDescriptors), renderDescriptors, 1)).mean();

    /// <summary>Euclidean distances [N] of descriptors [N, D] from a reference [1, D] or [N, D], differentiable (a tiny
    /// epsilon keeps the gradient finite where a distance is zero).</summary>
    public static Tensor Distances(Tensor reference, Tensor descriptors) =>
        ((descriptors - reference).square().sum([1]) + 1e-10).sqrt();

    /// <summary>Euclidean descriptor distance (face-api's measure; 0.6 is its same-person threshold).</summary>
    public static double Distance(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }

        return Math.Sqrt(sum);
    }
}
