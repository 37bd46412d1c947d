using FaceClip.Core.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// What the dense landmark term fits: the network's points in crop pixels [B, P, 2] and, for each point, its place on
/// the model (<see cref="DenseLandmarkMap"/>: vertex ids [P * 3], barycentric weights [P, 3]), its weight [P] (0 for a
/// point that is not a fixed place on the skin: the jaw's silhouette, which <see cref="Silhouette"/> fits as points
/// sliding along the outline, and the outline beside the eyes, left out) and noise scale in pixels [P]. <see cref="Scale"/> is the
/// term's share of the posterior: the network's points are not independent (one network, one crop), so together they
/// count as <see cref="ReconstructionOptions.DenseIndependentPoints"/> independent ones.
/// </summary>
public sealed record DenseTarget(Tensor Target, Tensor VertexIds, Tensor Barycentrics, Tensor Weights, Tensor Sigma, double Scale, DenseSilhouette? Silhouette = null)
{
    /// <summary>The target for one face from its points in crop pixels (<see cref="DenseLandmarkMap.PointCount"/>
    /// points: the mesh's, then the two iris centres).</summary>
    /// <param name="data">The full face model, whose vertices the silhouette points slide over
    /// (<see cref="ReconstructionOptions.DenseSilhouette"/>).</param>
    public static DenseTarget For(Tensor cropPoints, DenseLandmarkMap map, ReconstructionOptions o, Device device, FaceModelData? data = null)
    {
        ArgumentNullException.ThrowIfNull(cropPoints);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(o);
        var n = map.Points.Count;
        var points = cropPoints.to(device);
        var silhouette = o.DenseSilhouette && data is not null ? DenseSilhouette.For(points, map, data) : null;
        var fixedOnSkin = silhouette is null ? new HashSet<int>() : DenseSilhouette.FixedPoints(map).ToHashSet();
        var ids = map.Points.SelectMany(p => p.Vertices.Select(v => (long)v)).ToArray();
        var bary = map.Points.SelectMany(p => p.Weights).ToArray();
        var weights = map.Points.Select((p, i) =>
            (i >= DenseLandmarkMap.IrisCentre && !o.DenseIrises) || (p.Contour && !fixedOnSkin.Contains(i)) ? 0f : 1f).ToArray();
        var sigma = (float)(o.DenseLandmarkNoise * o.CropSize / 224.0);
        var used = weights.Count(w => w > 0) + (silhouette?.Points.Length ?? 0);
        return new DenseTarget(
            points,
            tensor(ids, device: device),
            tensor(bary, device: device).view(n, 3),
            tensor(weights, device: device),
            full(n, sigma, device: device),
            o.DenseIndependentPoints / Math.Max(1, used),
            silhouette);
    }
}
