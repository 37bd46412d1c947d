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
/// Recovered geometric detail against the truth, where it lands in the photo: at every pixel that both the true and
/// the fitted face cover with skin the map fully reaches, the true displacement under the true mesh against the
/// recovered displacement under the fitted mesh, and the true detailed surface's normal against the fitted surface's
/// with and without the recovered map. (In the UV tile the two would be compared at the same surface coordinate,
/// but a millimetre of shape error moves a wrinkle off its place there while it still lies where the photo shows it.)
/// The normals are those of the surfaces themselves, taken by finite differences between neighbouring texels of
/// P + D·n (the mesh drawn in UV, moved along its interpolated normal by the map; the flat mesh's facets replaced by
/// its smooth normals), for the true mesh with the true map and for the fitted mesh with or without the recovered
/// map: the same path for all three, and not the renderer's normal mapping. Each is turned into its camera's frame.
/// </summary>
public static class DetailError
{
    /// <summary>Pixels whose true camera-space normal has at least this component towards the camera.</summary>
    public const double Facing = 0.3;

    /// <summary>A pixel is on a wrinkle where the true displacement is at least this deep (cm).</summary>
    public const float OnWrinkle = 0.005f;

    /// <summary>One face as the measure needs it: unposed vertices (V·3, cm), the map over the face's UV tile
    /// (R × R, cm), where each vertex lands in the photo (V·3: x, y in pixels, depth) and the rotation from the model's
    /// frame to the camera's (row-major 3 × 3).</summary>
    public sealed record Surface(float[] Vertices, float[] Map, float[] Pixels, double[] Rotation);

    public static DetailMeasure Measure(FaceModelData data, int width, int height, Surface truth, Surface fitted)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(fitted);
        var resolution = (int)Math.Round(Math.Sqrt(truth.Map.Length));
        if (fitted.Map.Length != truth.Map.Length)
        {
            throw new ArgumentException("The recovered and true maps differ in size.", nameof(fitted));
        }

        using var scope = NewDisposeScope();
        var triangles = data.VerticesOfTriangles(data.FittingTriangleIds());
        var uvs = data.VertexUvs();
        using var raster = new UvRaster(uvs, triangles, resolution);
        using var topology = new MeshTopology(triangles, data.VertexCount);
        var reach = tensor(DisplacementMap.SkinWeights(data)).view(-1, 1);
        var trueNormals = Normals(raster, topology, truth.Vertices, truth.Map, resolution);
        var plainNormals = Normals(raster, topology, fitted.Vertices, new float[truth.Map.Length], resolution);
        var fittedNormals = Normals(raster, topology, fitted.Vertices, fitted.Map, resolution);

        // Per pixel: the surface coordinate and the reach under each mesh.
        var (trueUv, trueReach, trueCovered) = Drawn(truth.Pixels, triangles, uvs, reach, width, height);
        var (fitUv, fitReach, fitCovered) = Drawn(fitted.Pixels, triangles, uvs, reach, width, height);
        var n = nn.functional.normalize(Rotate(Sample(trueNormals.Normals, trueUv), truth.Rotation), dim: 0, eps: 1e-12);
        var valid = trueCovered.logical_and(fitCovered).logical_and(trueReach > 0.99f).logical_and(fitReach > 0.99f)
            .logical_and(Sample(trueNormals.Valid.to(ScalarType.Float32).unsqueeze(0), trueUv)[0] > 0.99f)
            .logical_and(Sample(fittedNormals.Valid.to(ScalarType.Float32).unsqueeze(0), fitUv)[0] > 0.99f)
            .logical_and(n.select(0, 2) > Facing);
        var count = (int)valid.sum().item<long>();
        if (count < 10)
        {
            return new DetailMeasure(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, count);
        }

        var trueDepth = Sample(tensor(truth.Map).view(1, resolution, resolution), trueUv)[0];
        var recoveredDepth = Sample(tensor(fitted.Map).view(1, resolution, resolution), fitUv)[0];
        var without = Rotate(Sample(plainNormals.Normals, fitUv), fitted.Rotation);
        var with = Rotate(Sample(fittedNormals.Normals, fitUv), fitted.Rotation);
        var wrinkle = valid.logical_and(trueDepth.abs() >= OnWrinkle);
        var onWrinkles = wrinkle.sum().item<long>() >= 10;
        double Angle(Tensor a, Tensor where) =>
            (nn.functional.normalize(a, dim: 0, eps: 1e-12) * n).sum(0, keepdim: false).clamp(-1, 1).acos().masked_select(where).mean().item<float>() * 180 / Math.PI;
        var recovered = recoveredDepth.masked_select(valid).data<float>().ToArray();
        var real = trueDepth.masked_select(valid).data<float>().ToArray();
        static double Rms(float[] v) => Math.Sqrt(v.Average(x => (double)x * x)) * 10;
        return new DetailMeasure(SurfaceError.Correlation(recovered, real), Angle(without, valid), Angle(with, valid), Rms(recovered), Rms(real), count)
        {
            WrinkleNormalErrorWithout = onWrinkles ? Angle(without, wrinkle) : double.NaN,
            WrinkleNormalErrorWith = onWrinkles ? Angle(with, wrinkle) : double.NaN,
        };
    }

    /// <summary>The fitting region drawn at its vertices' pixels: per pixel the UV [2, H, W], the map's reach [H, W] and
    /// whether a triangle covers it.</summary>
    private static (Tensor Uv, Tensor Reach, Tensor Covered) Drawn(float[] pixels, int[] triangles, float[] uvs, Tensor reach, int width, int height)
    {
        var vertexCount = pixels.Length / 3;
        var fragments = TriangleRasterizer.Rasterize(pixels, 1, vertexCount, triangles, width, height, cullBackFaces: false, near: 1e-6);
        var screen = tensor(pixels).view(1, vertexCount, 3);
        var ids = tensor(triangles.Select(t => (long)t).ToArray()).view(-1, 3).index_select(0, tensor(fragments.TriangleIndices));
        var centres = new float[fragments.Count * 2];
        for (var i = 0; i < fragments.Count; i++)
        {
            centres[2 * i] = (fragments.PixelIndices[i] % width) + 0.5f;
            centres[(2 * i) + 1] = (fragments.PixelIndices[i] / width) + 0.5f;
        }

        var weights = BarycentricInterpolation.Barycentrics(screen, ids, tensor(centres).view(-1, 2));
        var attributes = cat([tensor(uvs).view(-1, 2), reach, ones(vertexCount, 1)], 1).unsqueeze(0);
        var values = BarycentricInterpolation.Interpolate(attributes, ids, weights);
        var image = BarycentricInterpolation.ToImage(values, tensor(fragments.PixelIndices), 1, height, width)[0];
        return (image.narrow(0, 0, 2), image[2], image[3] > 0.5f);
    }

    /// <summary>Bilinear samples [C, H, W] of a map [C, R, R] (row 0 is v = 1) at UVs [2, H, W].</summary>
    private static Tensor Sample(Tensor map, Tensor uv)
    {
        var grid = stack([(uv[0] * 2) - 1, 1 - (uv[1] * 2)], -1).unsqueeze(0);
        return nn.functional.grid_sample(map.unsqueeze(0), grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false)[0];
    }

    /// <summary>Directions [3, H, W] turned by a row-major 3 × 3 rotation.</summary>
    private static Tensor Rotate(Tensor directions, double[] rotation)
    {
        var r = tensor(rotation.Select(x => (float)x).ToArray()).view(3, 3);
        return matmul(r, directions.view(3, -1)).view(directions.shape);
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
