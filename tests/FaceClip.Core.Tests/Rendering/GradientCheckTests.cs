using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Rendering;

public sealed class GradientCheckTests
{
    private static readonly PerspectiveCamera Camera = new(48, 40, Focal: 60, Distance: 6);

    [Fact]
    public void InterpolationGradientsMatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var (vertices, topology) = Bump(7);
        using var _ = topology;
        var screen = Camera.Project(Camera.ToCameraSpace(vertices)).detach();
        var fragments = TriangleRasterizer.Rasterize(screen, topology, Camera.Width, Camera.Height);
        var pixel = tensor(fragments.PixelIndices);
        var ids = BarycentricInterpolation.FragmentVertexIds(topology.TriangleTensor, tensor(fragments.TriangleIndices), pixel.div(Camera.Width * Camera.Height, rounding_mode: RoundingMode.floor), vertices.shape[1]);
        var centres = stack([pixel.remainder(Camera.Width), pixel.div(Camera.Width, rounding_mode: RoundingMode.floor).remainder(Camera.Height)], 1).to(float64) + 0.5;
        using var attributeGenerator = new Generator(5);
        using var weightGenerator = new Generator(6);
        var attributes = rand(1, vertices.shape[1], 4, dtype: float64, generator: attributeGenerator);
        var weights = randn(fragments.Count, 4, dtype: float64, generator: weightGenerator);
        Assert.True(fragments.Count > 300);

        FiniteDifferences.AssertGradientMatches(s =>
            (BarycentricInterpolation.Interpolate(attributes, ids, BarycentricInterpolation.Barycentrics(s, ids, centres)) * weights).sum(), screen);
        FiniteDifferences.AssertGradientMatches(a =>
            (BarycentricInterpolation.Interpolate(a, ids, BarycentricInterpolation.Barycentrics(screen, ids, centres)) * weights).sum(), attributes);
    }

    [Fact]
    public void ShadingGradientsMatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var albedo = rand(5, 3, dtype: float64, generator: generator);
        var normals = randn(5, 3, dtype: float64, generator: generator);
        var lighting = randn(5, 27, dtype: float64, generator: generator) * 0.3;
        var weights = randn(5, 3, dtype: float64, generator: generator);
        Tensor Loss(Tensor a, Tensor n, Tensor l) => (SphericalHarmonics.Shade(a, nn.functional.normalize(n, dim: -1), l) * weights).sum();
        FiniteDifferences.AssertGradientMatches(a => Loss(a, normals, lighting), albedo);
        FiniteDifferences.AssertGradientMatches(n => Loss(albedo, n, lighting), normals);
        FiniteDifferences.AssertGradientMatches(l => Loss(albedo, normals, l), lighting);

        // The renderer's per-batch-run form agrees with the per-row form and has the same gradients.
        var batchLighting = lighting[..2];
        long[] runs = [2, 3];
        var rowLighting = batchLighting.index_select(0, tensor(new long[] { 0, 0, 1, 1, 1 }));
        var unit = nn.functional.normalize(normals, dim: -1);
        Assert.True(SphericalHarmonics.IrradianceByRuns(unit, batchLighting, runs).allclose(SphericalHarmonics.Irradiance(unit, rowLighting), rtol: 1e-12, atol: 1e-12));
        FiniteDifferences.AssertGradientMatches(l => (SphericalHarmonics.IrradianceByRuns(unit, l, runs) * weights).sum(), batchLighting);
        FiniteDifferences.AssertGradientMatches(n => (SphericalHarmonics.IrradianceByRuns(nn.functional.normalize(n, dim: -1), batchLighting, runs) * weights).sum(), normals);
    }

    [Fact]
    public void ProjectionAndPoseGradientsMatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(12);
        var vertices = randn(2, 6, 3, dtype: float64, generator: generator);
        var angles = randn(2, 3, dtype: float64, generator: generator) * 0.4;
        var translation = randn(2, 3, dtype: float64, generator: generator) * 0.2;
        var weights = randn(2, 6, 3, dtype: float64, generator: generator);
        Tensor Loss(Tensor v, Tensor r, Tensor t) =>
            (Camera.Project(Camera.ToCameraSpace(FaceModel.ApplyPose(v, FaceModel.ComputeRotation(r), t))) * weights).sum();
        FiniteDifferences.AssertGradientMatches(v => Loss(v, angles, translation), vertices);
        FiniteDifferences.AssertGradientMatches(r => Loss(vertices, r, translation), angles);
        FiniteDifferences.AssertGradientMatches(t => Loss(vertices, angles, t), translation);
    }

    [Fact]
    public void RenderedImageGradientsMatchFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        var (vertices, topology) = Bump(9);
        using var _ = topology;
        var renderer = new MeshRenderer(Camera);
        using var generator = new Generator(13);
        var albedo = rand(1, vertices.shape[1], 3, dtype: float64, generator: generator);
        var lighting = randn(1, 27, dtype: float64, generator: generator) * 0.2;
        var weights = randn(1, 3, Camera.Height, Camera.Width, dtype: float64, generator: generator);
        Tensor Loss(Tensor v, Tensor a, Tensor l) => (renderer.Render(Camera.ToCameraSpace(v), topology, a, l).Image * weights).sum();
        FiniteDifferences.AssertGradientMatches(v => Loss(v, albedo, lighting), vertices, tolerance: 1e-4);
        FiniteDifferences.AssertGradientMatches(a => Loss(vertices, a, lighting), albedo);
        FiniteDifferences.AssertGradientMatches(l => Loss(vertices, albedo, l), lighting);
    }

    /// <summary>An n x n grid over [-1, 1]² with a smooth bump in z (double precision), and its triangles.</summary>
    private static (Tensor Vertices, MeshTopology Topology) Bump(int n)
    {
        var positions = new double[n * n * 3];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                double x = -1 + 2.0 * i / (n - 1), y = -1 + 2.0 * j / (n - 1);
                var k = (j * n + i) * 3;
                positions[k] = x + 0.05 * Math.Sin(3 * y);
                positions[k + 1] = y + 0.05 * Math.Cos(2 * x);
                positions[k + 2] = 0.6 * Math.Exp(-(x * x + y * y));
            }
        }

        var triangles = new List<int>();
        for (var j = 0; j + 1 < n; j++)
        {
            for (var i = 0; i + 1 < n; i++)
            {
                var a = j * n + i;
                triangles.AddRange([a, a + 1, a + n + 1, a, a + n + 1, a + n]);
            }
        }

        return (tensor(positions, dtype: float64).view(1, n * n, 3), new MeshTopology(triangles.ToArray(), n * n));
    }
}
