using FaceClip.Core.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Rendering;

public sealed class MeshRendererTests
{
    private static readonly PerspectiveCamera Camera = new(96, 80, Focal: 120, Distance: 10);

    [Fact]
    public void FacingPlaneHasAnalyticCoverageDepthNormalsAndShading()
    {
        using var scope = NewDisposeScope();
        // A 3.9 x 3.15 rectangle at depth 7 facing the camera (edges away from pixel centres).
        var vertices = tensor(new[] { -1.3f, -1.45f, -7f, 2.6f, -1.45f, -7f, 2.6f, 1.7f, -7f, -1.3f, 1.7f, -7f }).view(1, 4, 3);
        using var topology = new MeshTopology([0, 1, 2, 0, 2, 3], 4);
        var albedo = full(1, 4, 3, 0.5f);
        var lighting = zeros(1, 27);
        var output = new MeshRenderer(Camera).Render(vertices, topology, albedo, lighting);

        double u0 = 48 + 120 * -1.3 / 7, u1 = 48 + 120 * 2.6 / 7, v0 = 40 - 120 * 1.7 / 7, v1 = 40 + 120 * 1.45 / 7;
        var columns = (int)Math.Floor(u1 - 0.5) - (int)Math.Ceiling(u0 - 0.5) + 1;
        var rows = (int)Math.Floor(v1 - 0.5) - (int)Math.Ceiling(v0 - 0.5) + 1;
        Assert.Equal(columns * rows, (int)output.Mask.sum().item<float>());
        var covered = output.Mask[0, 0] > 0.5f;
        Assert.Equal(7f, output.Depth[0, 0].masked_select(covered).mean().item<float>(), 4);
        Assert.Equal(0f, (output.Depth[0, 0].masked_select(covered) - 7).abs().max().item<float>(), 4);
        Assert.Equal(1f, output.Normals[0, 2].masked_select(covered).min().item<float>(), 5);
        // Zero lighting codes leave only the ambient 0.8 on the constant SH term, whose basis value is a0·c0 = π/sqrt(4π).
        var expected = 0.5 * 0.8 * Math.PI / Math.Sqrt(4 * Math.PI);
        Assert.Equal(expected, output.Image[0, 1].masked_select(covered).mean().item<float>(), 4);
        Assert.Equal(0f, output.Image[0].masked_select(covered.logical_not().unsqueeze(0).expand(3, -1, -1)).abs().max().item<float>());
    }

    [Fact]
    public void RotatedCubeSilhouetteMatchesTheProjectedConvexHull()
    {
        using var scope = NewDisposeScope();
        var (corners, triangles) = Cube();
        var angles = tensor(new[] { 0.5f, 0.7f, 0.2f }).view(1, 3);
        var rotation = Core.Geometry.FaceModel.ComputeRotation(angles);
        var posed = Core.Geometry.FaceModel.ApplyPose(tensor(corners).view(1, 8, 3), rotation, zeros(1, 3));
        var cameraVertices = Camera.ToCameraSpace(posed);
        using var topology = new MeshTopology(triangles, 8);
        var renderer = new MeshRenderer(Camera);
        var output = renderer.Render(cameraVertices, topology, ones(1, 8, 3), zeros(1, 27));
        var culled = renderer.Render(cameraVertices, topology, ones(1, 8, 3), zeros(1, 27), cullBackFaces: true);

        var projected = renderer.Project(cameraVertices)[0].data<float>().ToArray();
        var hull = ConvexHull(Enumerable.Range(0, 8).Select(i => (X: (double)projected[i * 3], Y: (double)projected[i * 3 + 1])).ToList());
        var expected = 0;
        for (var y = 0; y < Camera.Height; y++)
        {
            for (var x = 0; x < Camera.Width; x++)
            {
                expected += Inside(hull, x + 0.5, y + 0.5) ? 1 : 0;
            }
        }

        Assert.InRange(expected, 500, Camera.Width * Camera.Height - 1);
        Assert.Equal(expected, (int)output.Mask.sum().item<float>());
        Assert.Equal(expected, (int)culled.Mask.sum().item<float>());
        // Only front faces are visible on a closed convex body, so culling changes nothing.
        Assert.Equal(output.Fragments.TriangleIdImage(0), culled.Fragments.TriangleIdImage(0));
        var nearest = projected.Where((_, i) => i % 3 == 2).Min();
        Assert.True(output.Depth.masked_select(output.Mask > 0.5f).min().item<float>() >= nearest - 1e-4f);
    }

    [Fact]
    public void BatchItemsRenderIndependently()
    {
        using var scope = NewDisposeScope();
        var (corners, triangles) = Cube();
        using var topology = new MeshTopology(triangles, 8);
        var renderer = new MeshRenderer(Camera);
        var angles = tensor(new[] { 0.1f, 0.2f, 0.3f, -0.4f, 0.9f, 0f }).view(2, 3);
        var posed = Core.Geometry.FaceModel.ApplyPose(tensor(corners).view(1, 8, 3).expand(2, -1, -1), Core.Geometry.FaceModel.ComputeRotation(angles), zeros(2, 3));
        using var lightingGenerator = new Generator(1);
        using var albedoGenerator = new Generator(2);
        var lighting = randn(2, 27, generator: lightingGenerator) * 0.1f;
        var albedo = rand(2, 8, 3, generator: albedoGenerator);
        var both = renderer.Render(Camera.ToCameraSpace(posed), topology, albedo, lighting);
        for (var b = 0; b < 2; b++)
        {
            var single = renderer.Render(Camera.ToCameraSpace(posed[b..(b + 1)]), topology, albedo[b..(b + 1)], lighting[b..(b + 1)]);
            Assert.True(single.Image.allclose(both.Image[b..(b + 1)], rtol: 1e-5, atol: 1e-6));
        }

        // One albedo [1, V, 3] is shared by every batch item.
        var shared = renderer.Render(Camera.ToCameraSpace(posed), topology, albedo[..1], lighting);
        var explicitly = renderer.Render(Camera.ToCameraSpace(posed), topology, albedo[..1].expand(2, -1, -1), lighting);
        Assert.True(shared.Image.allclose(explicitly.Image));
        Assert.False(shared.Image[1].allclose(both.Image[1]));
    }

    [Fact]
    public void UvTextureReplacesVertexAlbedo()
    {
        using var scope = NewDisposeScope();
        var vertices = tensor(new[] { -2f, -2f, -8f, 2f, -2f, -8f, 2f, 2f, -8f, -2f, 2f, -8f }).view(1, 4, 3);
        float[] uvs = [0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1];
        using var topology = new MeshTopology([0, 1, 2, 0, 2, 3], 4, cornerUvs: uvs);
        // Texture: left half red, right half blue (row 0 = top = v 1).
        var texture = zeros(1, 3, 8, 8);
        texture[0, 0, .., ..4] = 1f;
        texture[0, 2, .., 4..] = 1f;
        var output = new MeshRenderer(Camera).Render(vertices, topology, full(1, 4, 3, 0.5f), zeros(1, 27), uvTexture: texture);
        var albedo = output.Albedo[0];
        Assert.Equal(1f, albedo[0, 40, 30].item<float>(), 3);
        Assert.Equal(0f, albedo[2, 40, 30].item<float>(), 3);
        Assert.Equal(1f, albedo[2, 40, 66].item<float>(), 3);
        Assert.Equal(0f, albedo[0, 40, 66].item<float>(), 3);
    }

    [Fact]
    public void OctahedronVertexNormalsPointOutwardsInEveryBatchItem()
    {
        using var scope = NewDisposeScope();
        float[] corners = [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1];
        int[] triangles = [0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5];
        using var topology = new MeshTopology(triangles, 6);
        var rotation = Core.Geometry.FaceModel.ComputeRotation(tensor(new[] { 0f, 0f, 0f, 0.3f, -0.7f, 1.2f }).view(2, 3));
        var vertices = Core.Geometry.FaceModel.ApplyPose(tensor(corners).view(1, 6, 3).expand(2, -1, -1), rotation, tensor(new[] { 0f, 0f, 0f, 5f, -2f, 1f }).view(2, 3));
        var normals = MeshNormals.VertexNormals(vertices, topology.TriangleTensor);
        var expected = tensor(corners).view(1, 6, 3).expand(2, -1, -1).bmm(rotation.transpose(1, 2));
        Assert.True(normals.allclose(expected, atol: 1e-6));
    }

    internal static (float[] Corners, int[] Triangles) Cube()
    {
        var corners = new float[24];
        for (var i = 0; i < 8; i++)
        {
            corners[i * 3] = (i & 1) == 0 ? -1 : 1;
            corners[i * 3 + 1] = (i & 2) == 0 ? -1 : 1;
            corners[i * 3 + 2] = (i & 4) == 0 ? -1 : 1;
        }

        // Counter-clockwise seen from outside.
        int[] triangles =
        [
            0, 2, 1, 1, 2, 3, // z = -1
            4, 5, 6, 5, 7, 6, // z = +1
            0, 1, 4, 1, 5, 4, // y = -1
            2, 6, 3, 3, 6, 7, // y = +1
            0, 4, 2, 2, 4, 6, // x = -1
            1, 3, 5, 3, 7, 5, // x = +1
        ];
        return (corners, triangles);
    }

    private static List<(double X, double Y)> ConvexHull(List<(double X, double Y)> points)
    {
        var sorted = points.OrderBy(p => p.X).ThenBy(p => p.Y).ToList();
        var hull = new List<(double X, double Y)>();
        static double Cross((double X, double Y) o, (double X, double Y) a, (double X, double Y) b) => (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
        foreach (var pass in new[] { sorted, Enumerable.Reverse(sorted).ToList() })
        {
            var start = hull.Count;
            foreach (var p in pass)
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0)
                {
                    hull.RemoveAt(hull.Count - 1);
                }

                hull.Add(p);
            }

            hull.RemoveAt(hull.Count - 1);
        }

        return hull;
    }

    private static bool Inside(List<(double X, double Y)> hull, double x, double y)
    {
        for (var i = 0; i < hull.Count; i++)
        {
            var a = hull[i];
            var b = hull[(i + 1) % hull.Count];
            if ((b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X) < 0)
            {
                return false;
            }
        }

        return true;
    }
}
