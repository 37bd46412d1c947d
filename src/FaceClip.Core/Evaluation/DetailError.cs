using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using static TorchSharp.torch;

namespace FaceClip.Core.Evaluation;

/// <summary>One face's detail figures, over the skin texels of the face's UV tile that the map fully reaches and that
/// face the camera.</summary>
/// <param name="Correlation">Pearson's correlation of the recovered and the true displacement.</param>
/// <param name="NormalErrorWithout">Mean angle (degrees) between the fitted surface's normals and the true detailed
/// surface's, without the recovered map.</param>
/// <param name="NormalErrorWith">The same with the recovered map.</param>
/// <param name="RecoveredRmsMm">Root mean square of the recovered displacement, mm.</param>
/// <param name="TrueRmsMm">Root mean square of the true displacement, mm.</param>
/// <param name="Texels">How many texels were measured.</param>
public sealed record DetailMeasure(double Correlation, double NormalErrorWithout, double NormalErrorWith, double RecoveredRmsMm, double TrueRmsMm, int Texels)
{
    /// <summary>The normal errors on the wrinkles alone (texels where the true displacement is at least
    /// <see cref="DetailError.OnWrinkle"/>); NaN on a smooth face.</summary>
    public double WrinkleNormalErrorWithout { get; init; } = double.NaN;

    public double WrinkleNormalErrorWith { get; init; } = double.NaN;
}

/// <summary>
/// Recovered geometric detail against the truth, in the face's UV tile. The normals are those of the surfaces
/// themselves, taken by finite differences between neighbouring texels of P + D·n (the mesh drawn in UV, moved along
/// its interpolated normal by the map) for the true mesh with the true map, and for the fitted mesh with the
/// recovered map or without it: the same path for all three, and not the renderer's normal mapping.
/// </summary>
public static class DetailError
{
    /// <summary>Texels whose true normal, turned by the head's rotation, has at least this component towards the camera.</summary>
    public const double Facing = 0.3;

    /// <summary>A texel is on a wrinkle where the true displacement is at least this deep (cm).</summary>
    public const float OnWrinkle = 0.005f;

    /// <param name="data">The face model.</param>
    /// <param name="trueMap">The true displacement (R × R, cm).</param>
    /// <param name="trueVertices">The true unposed vertices (V·3, cm).</param>
    /// <param name="recoveredMap">The recovered displacement (R × R, cm).</param>
    /// <param name="fittedVertices">The fitted unposed vertices (V·3, cm).</param>
    /// <param name="rotation">The head's rotation (row-major 3 × 3), model to camera.</param>
    public static DetailMeasure Measure(FaceModelData data, float[] trueMap, float[] trueVertices, float[] recoveredMap, float[] fittedVertices, double[] rotation)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(trueMap);
        ArgumentNullException.ThrowIfNull(recoveredMap);
        ArgumentNullException.ThrowIfNull(rotation);
        var resolution = (int)Math.Round(Math.Sqrt(trueMap.Length));
        if (recoveredMap.Length != trueMap.Length)
        {
            throw new ArgumentException("The recovered and true maps differ in size.", nameof(recoveredMap));
        }

        using var scope = NewDisposeScope();
        var triangles = data.VerticesOfTriangles(data.FittingTriangleIds());
        using var raster = new UvRaster(data.VertexUvs(), triangles, resolution);
        using var topology = new MeshTopology(triangles, data.VertexCount);
        var (reach, coverage) = raster.Interpolate(tensor(DisplacementMap.SkinWeights(data)).view(-1, 1));
        var truth = Normals(raster, topology, trueVertices, trueMap, resolution);
        var without = Normals(raster, topology, fittedVertices, new float[trueMap.Length], resolution);
        var with = Normals(raster, topology, fittedVertices, recoveredMap, resolution);

        var towardsCamera = tensor(new[] { (float)rotation[6], (float)rotation[7], (float)rotation[8] }).view(3, 1, 1);
        var valid = (reach[0] > 0.99f).logical_and(coverage[0] > 0.5f).logical_and(truth.Valid).logical_and(without.Valid).logical_and(with.Valid)
            .logical_and((truth.Normals * towardsCamera).sum(0, keepdim: false) > Facing);
        var count = (int)valid.sum().item<long>();
        if (count < 10)
        {
            return new DetailMeasure(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, count);
        }

        var wrinkle = valid.logical_and(tensor(trueMap).view(resolution, resolution).abs() >= OnWrinkle);
        var onWrinkles = wrinkle.sum().item<long>() >= 10;
        double Angle(Tensor a, Tensor where) => (a * truth.Normals).sum(0, keepdim: false).clamp(-1, 1).acos().masked_select(where).mean().item<float>() * 180 / Math.PI;
        var recovered = tensor(recoveredMap).view(resolution, resolution).masked_select(valid).data<float>().ToArray();
        var real = tensor(trueMap).view(resolution, resolution).masked_select(valid).data<float>().ToArray();
        static double Rms(float[] v) => Math.Sqrt(v.Average(x => (double)x * x)) * 10;
        return new DetailMeasure(SurfaceError.Correlation(recovered, real), Angle(without.Normals, valid), Angle(with.Normals, valid), Rms(recovered), Rms(real), count)
        {
            WrinkleNormalErrorWithout = onWrinkles ? Angle(without.Normals, wrinkle) : double.NaN,
            WrinkleNormalErrorWith = onWrinkles ? Angle(with.Normals, wrinkle) : double.NaN,
        };
    }

    /// <summary>The unit normals [3, R, R] of P + D·n over the map, and where both neighbours on each axis are covered.</summary>
    private static (Tensor Normals, Tensor Valid) Normals(UvRaster raster, MeshTopology topology, float[] vertices, float[] map, int resolution)
    {
        var positions = tensor(vertices).view(1, -1, 3);
        var vertexNormals = MeshNormals.VertexNormals(positions, topology.TriangleTensor)[0];
        var (values, coverage) = raster.Interpolate(cat([positions[0], vertexNormals], 1));
        var n = nn.functional.normalize(values.narrow(0, 3, 3), dim: 0, eps: 1e-12);
        var surface = values.narrow(0, 0, 3) + (n * tensor(map).view(1, resolution, resolution));
        // ∂/∂u along columns (x + 1 is higher u), ∂/∂v along rows (y − 1 is higher v).
        var padded = nn.functional.pad(surface.unsqueeze(0), new long[] { 1, 1, 1, 1 }, TorchSharp.PaddingModes.Replicate)[0];
        var du = padded.narrow(1, 1, resolution).narrow(2, 2, resolution) - padded.narrow(1, 1, resolution).narrow(2, 0, resolution);
        var dv = padded.narrow(1, 0, resolution).narrow(2, 1, resolution) - padded.narrow(1, 2, resolution).narrow(2, 1, resolution);
        Tensor Facets(Tensor du, Tensor dv)
        {
            var facet = nn.functional.normalize(linalg.cross(du, dv, dim: 0), dim: 0, eps: 1e-12);
            return facet * (facet * n).sum(0, keepdim: true).sign(); // oriented as the mesh's normal
        }

        // The mesh is flat within its triangles: its differences give the facets' normals. The detail's share is the
        // change from the flat mesh's facets to the displaced mesh's, added to the mesh's smooth interpolated normal.
        var flat = values.narrow(0, 0, 3);
        var flatPadded = nn.functional.pad(flat.unsqueeze(0), new long[] { 1, 1, 1, 1 }, TorchSharp.PaddingModes.Replicate)[0];
        var flatDu = flatPadded.narrow(1, 1, resolution).narrow(2, 2, resolution) - flatPadded.narrow(1, 1, resolution).narrow(2, 0, resolution);
        var flatDv = flatPadded.narrow(1, 0, resolution).narrow(2, 1, resolution) - flatPadded.narrow(1, 2, resolution).narrow(2, 1, resolution);
        var normal = nn.functional.normalize(n + Facets(du, dv) - Facets(flatDu, flatDv), dim: 0, eps: 1e-12);
        var covered = nn.functional.pad(coverage.unsqueeze(0), new long[] { 1, 1, 1, 1 })[0][0];
        var valid = (covered.narrow(0, 1, resolution).narrow(1, 0, resolution) > 0.5f).logical_and(covered.narrow(0, 1, resolution).narrow(1, 2, resolution) > 0.5f)
            .logical_and(covered.narrow(0, 0, resolution).narrow(1, 1, resolution) > 0.5f).logical_and(covered.narrow(0, 2, resolution).narrow(1, 1, resolution) > 0.5f);
        return (normal, valid);
    }
}
