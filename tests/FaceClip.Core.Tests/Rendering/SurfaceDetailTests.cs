using FaceClip.Core.Rendering;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Rendering;

public sealed class SurfaceDetailTests
{
    private static readonly PerspectiveCamera Camera = new(96, 96, Focal: 200, Distance: 6);

    /// <summary>The displacement used by the tests: ripples of a few slopes' worth over the map (cm).</summary>
    private static double Ripple(double u, double v) => (0.04 * Math.Sin(2 * Math.PI * 3 * u) * Math.Cos(2 * Math.PI * 2 * v)) + (0.05 * u * v);

    [Fact]
    public void ACoarsePlaneWithTheMapShadesLikeTheDisplacedFineMesh()
    {
        using var scope = NewDisposeScope();
        var map = Map(128, Ripple);
        var lighting = Light();
        var renderer = new MeshRenderer(Camera);
        foreach (var mirrored in new[] { false, true })
        {
            // The truth: a fine mesh displaced along z, shaded from its own geometry.
            var (fine, fineTopology) = Plane(161, mirrored, Ripple);
            using var _ = fineTopology;
            var truth = renderer.Render(Camera.ToCameraSpace(fine), fineTopology, Grey(fine), lighting);

            // Normal mapping: a 5 x 5 plane, the same map.
            var (coarse, coarseTopology) = Plane(5, mirrored, null);
            using var __ = coarseTopology;
            var detail = new SurfaceDetail(map, Uvs(5, mirrored), ones(25, dtype: float64));
            var mapped = renderer.Render(Camera.ToCameraSpace(coarse), coarseTopology, Grey(coarse), lighting, detail: detail);
            var flat = renderer.Render(Camera.ToCameraSpace(coarse), coarseTopology, Grey(coarse), lighting);

            var both = (truth.Mask * mapped.Mask).squeeze(1);
            Assert.True(both.sum().item<double>() > 3000);
            var withMap = MeanAngleDegrees(truth.Normals, mapped.Normals, both);
            var withoutMap = MeanAngleDegrees(truth.Normals, flat.Normals, both);
            Assert.True(withoutMap > 10, $"the ripples tilt the fine mesh's normals by {withoutMap:F1} degrees on average");
            Assert.True(withMap < 1.0, $"{(mirrored ? "mirrored" : "plain")} UVs: mapped normals {withMap:F2} degrees from the displaced mesh's (flat: {withoutMap:F1})");
            var shadingError = ((truth.Image - mapped.Image).abs() * both.unsqueeze(1)).sum() / (both.sum() * 3);
            var flatError = ((truth.Image - flat.Image).abs() * both.unsqueeze(1)).sum() / (both.sum() * 3);
            Assert.True(shadingError.item<double>() < flatError.item<double>() * 0.15, $"shading error {shadingError.item<double>():G3} against {flatError.item<double>():G3} without the map");
        }
    }

    [Fact]
    public void AZeroMapChangesNothing()
    {
        using var scope = NewDisposeScope();
        var (plane, topology) = Plane(9, false, (u, v) => 0.3 * Math.Sin(2 * u) * v);
        using var _ = topology;
        var renderer = new MeshRenderer(Camera);
        var plain = renderer.Render(Camera.ToCameraSpace(plane), topology, Grey(plane), Light());
        var mapped = renderer.Render(Camera.ToCameraSpace(plane), topology, Grey(plane), Light(),
            detail: new SurfaceDetail(zeros(1, 1, 32, 32, dtype: float64), Uvs(9, false), ones(81, dtype: float64)));
        Assert.True(plain.Image.allclose(mapped.Image, rtol: 1e-9, atol: 1e-12));
    }

    [Fact]
    public void GradientsReachTheMapAndTheMesh()
    {
        using var scope = NewDisposeScope();
        var (flat, topology) = Plane(6, false, (u, v) => 0.2 * Math.Sin(3 * u) * Math.Cos(2 * v));
        using var _ = topology;
        // Bent a little in x and y, so that no pixel centre lies on an edge (where the gradient has a kink).
        var plane = flat + (0.03 * stack([flat.select(2, 1).mul(3).sin(), flat.select(2, 0).mul(2).cos(), zeros_like(flat.select(2, 0))], 2));
        // The plane fills the picture: no silhouette, whose coverage has no gradient.
        var renderer = new MeshRenderer(new PerspectiveCamera(40, 40, Focal: 200, Distance: 6));
        using var generator = new Generator(3);
        var map = randn(1, 1, 12, 12, dtype: float64, generator: generator) * 0.02;
        var weights = randn(1, 3, 40, 40, dtype: float64, generator: generator);
        var uvs = Uvs(6, false);
        var reach = rand(36, dtype: float64, generator: generator);
        Tensor Loss(Tensor m, Tensor v) =>
            (renderer.Render(renderer.Camera.ToCameraSpace(v), topology, Grey(plane), Light(), detail: new SurfaceDetail(m, uvs, reach)).Image * weights).sum();
        FiniteDifferences.AssertGradientMatches(m => Loss(m, plane), map);
        FiniteDifferences.AssertGradientMatches(v => Loss(map, v), plane, tolerance: 1e-4);
    }

    [Fact]
    public void SlopesAreTheMapsDerivativeInUvUnits()
    {
        using var scope = NewDisposeScope();
        // D = 0.5·u − 0.25·v sampled at texel centres: slopes 0.5 and −0.25 away from the border.
        var map = Map(16, (u, v) => (0.5 * u) - (0.25 * v));
        var slopes = SurfaceDetail.Slopes(map);
        var inner = slopes.narrow(2, 1, 14).narrow(3, 1, 14);
        Assert.True(inner.select(1, 0).allclose(full_like(inner.select(1, 0), 0.5), atol: 1e-9));
        Assert.True(inner.select(1, 1).allclose(full_like(inner.select(1, 1), -0.25), atol: 1e-9));
    }

    /// <summary>A map of side <paramref name="size"/> sampled from D(u, v) at texel centres (row 0 is v = 1).</summary>
    private static Tensor Map(int size, Func<double, double, double> displacement)
    {
        var values = new double[size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                values[(y * size) + x] = displacement((x + 0.5) / size, 1 - ((y + 0.5) / size));
            }
        }

        return tensor(values, dtype: float64).view(1, 1, size, size);
    }

    /// <summary>An n x n grid over [-1, 1]² facing the camera (+z), displaced along z by D(u, v) where given. With
    /// <paramref name="mirrored"/>, u runs from right to left (a mirrored UV layout).</summary>
    private static (Tensor Vertices, MeshTopology Topology) Plane(int n, bool mirrored, Func<double, double, double>? displacement)
    {
        var uvs = Uvs(n, mirrored).data<double>().ToArray();
        var positions = new double[n * n * 3];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                var k = (j * n) + i;
                positions[k * 3] = -1 + (2.0 * i / (n - 1));
                positions[(k * 3) + 1] = -1 + (2.0 * j / (n - 1));
                positions[(k * 3) + 2] = displacement?.Invoke(uvs[2 * k], uvs[(2 * k) + 1]) ?? 0;
            }
        }

        var triangles = new List<int>();
        for (var j = 0; j + 1 < n; j++)
        {
            for (var i = 0; i + 1 < n; i++)
            {
                var a = (j * n) + i;
                triangles.AddRange([a, a + 1, a + n + 1, a, a + n + 1, a + n]);
            }
        }

        return (tensor(positions, dtype: float64).view(1, n * n, 3), new MeshTopology(triangles.ToArray(), n * n));
    }

    private static Tensor Uvs(int n, bool mirrored)
    {
        var uvs = new double[n * n * 2];
        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < n; i++)
            {
                var u = i / (double)(n - 1);
                uvs[2 * ((j * n) + i)] = mirrored ? 1 - u : u;
                uvs[(2 * ((j * n) + i)) + 1] = j / (double)(n - 1);
            }
        }

        return tensor(uvs, dtype: float64).view(n * n, 2);
    }

    private static Tensor Grey(Tensor vertices) => full(1, vertices.shape[1], 3, 0.7, dtype: float64);

    /// <summary>Ambient light plus a key light from the upper left: the shading shows every tilt.</summary>
    private static Tensor Light()
    {
        var sh = new double[27];
        for (var c = 0; c < 3; c++)
        {
            sh[c * 9] = 0.8;
            sh[(c * 9) + 1] = 0.35;
            sh[(c * 9) + 3] = -0.4;
        }

        return tensor(sh, dtype: float64).view(1, 27);
    }

    private static double MeanAngleDegrees(Tensor a, Tensor b, Tensor mask)
    {
        var cosine = (a * b).sum(1).clamp(-1, 1);
        var angles = cosine.acos() * (180 / Math.PI);
        return ((angles * mask).sum() / mask.sum()).item<double>();
    }
}
