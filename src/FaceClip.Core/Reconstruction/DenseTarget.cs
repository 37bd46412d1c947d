using FaceClip.Core.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// What the dense landmark term fits: the network's points in crop pixels [B, P, 2] and, for each point, its place on
/// the model (<see cref="DenseLandmarkMap"/>: vertex ids [P * 3], barycentric weights [P, 3]), its weight [P] (0 for a
/// point left out: the silhouette, which the 68-point jaw line follows instead) and noise scale in pixels [P].
/// <see cref="Scale"/> is the term's share of the posterior: the network's points are not independent (one network,
/// one crop), so together they count as <see cref="ReconstructionOptions.DenseIndependentPoints"/> independent ones.
/// </summary>
public sealed record DenseTarget(Tensor Target, Tensor VertexIds, Tensor Barycentrics, Tensor Weights, Tensor Sigma, double Scale)
{
    /// <summary>The target for one face from its points in crop pixels (<see cref="DenseLandmarkMap.PointCount"/>
    /// points: the mesh's, then the two iris centres).</summary>
    public static DenseTarget For(Tensor cropPoints, DenseLandmarkMap map, ReconstructionOptions o, Device device)
    {
        ArgumentNullException.ThrowIfNull(cropPoints);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(o);
        var n = map.Points.Count;
        var ids = map.Points.SelectMany(p => p.Vertices.Select(v => (long)v)).ToArray();
        var bary = map.Points.SelectMany(p => p.Weights).ToArray();
        var weights = map.Points.Select((p, i) => p.Contour || (i >= DenseLandmarkMap.IrisCentre && !o.DenseIrises) ? 0f : 1f).ToArray();
        var sigma = (float)(o.DenseLandmarkNoise * o.CropSize / 224.0);
        var used = weights.Count(w => w > 0);
        return new DenseTarget(
            cropPoints.to(device),
            tensor(ids, device: device),
            tensor(bary, device: device).view(n, 3),
            tensor(weights, device: device),
            full(n, sigma, device: device),
            o.DenseIndependentPoints / Math.Max(1, used));
    }
}
