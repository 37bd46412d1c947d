using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Tests.Geometry;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class DisplacementMapTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>, IDisposable
{
    private readonly FaceModel _model = new(fixture.Data);

    public void Dispose() => _model.Dispose();

    [Fact]
    public void TheMapReachesTheSkinAndLeavesTheBrowsEyesAndLipsOut()
    {
        var weights = DisplacementMap.SkinWeights(fixture.Data);
        var border = DisplacementMap.BorderWeights(fixture.Data);
        var data = fixture.Data;
        // Never more than the border ramp; nothing outside the front face.
        Assert.All(Enumerable.Range(0, weights.Length), v => Assert.InRange(weights[v], 0, border[v] + 1e-6f));
        // At the feature landmarks themselves, none; on the cheeks and the forehead, all of it.
        foreach (var landmark in new[] { 19, 24, 37, 44, 48, 51, 54, 57 })
        {
            Assert.Equal(0f, weights[data.Landmarks[landmark]]);
        }

        var full = Enumerable.Range(0, weights.Length).Count(v => weights[v] == 1);
        Assert.True(full > 2000, $"{full} vertices take the whole map");
        // The nose and the jaw line's inner vertices are skin.
        Assert.Equal(1f, weights[data.Landmarks[30]]);
    }

    [Fact]
    public void TheBorderRingsRampToTheRestOfTheHead()
    {
        var weights = DisplacementMap.BorderWeights(fixture.Data);
        var levels = weights.Where(w => w > 0).Distinct().Order().ToArray();
        Assert.Equal([1f / 3, 2f / 3, 1f], levels, new ToleranceComparer(1e-6f));
        // Only front-face vertices move: eyes, teeth and the back of the head keep weight 0.
        var moving = weights.Select((w, v) => (w, v)).Where(x => x.w > 0).Select(x => x.v).ToHashSet();
        var front = fixture.Data.VerticesOfTriangles(fixture.Data.FittingTriangleIds()).ToHashSet();
        Assert.Subset(front, moving);
    }

    [Fact]
    public void TheNormalMapIsFlatForAConstantMapAndLeansAgainstASlope()
    {
        using var scope = NewDisposeScope();
        using var map = new DisplacementMap(_model, 64);
        using var topology = _model.CreateFittingTopology();
        using var raster = map.Raster(fixture.Data);
        var surface = _model.MeanShape.unsqueeze(0);
        using (no_grad())
        {
            map.Map.fill_(0.2);
        }

        var (reach, coverage) = raster.Interpolate(map.VertexWeights.view(-1, 1));
        var skin = (reach > 0.99f).view(-1);
        Assert.True(skin.sum().item<long>() > 500);
        var flat = map.TangentSpaceNormals(surface, topology, raster).view(3, -1);
        Assert.True(flat.select(0, 2).min().item<float>() > 0.9999f, "a constant displacement bends no normal");

        // D = 2·u cm: rising along u, so the normal leans back along −u (x < 0), not along v.
        using (no_grad())
        {
            map.Map.copy_((arange(64, dtype: ScalarType.Float32).add(0.5f).div(64).mul(2)).view(1, 1, 1, 64).expand(1, 1, 64, 64));
        }

        var leaning = map.TangentSpaceNormals(surface, topology, raster).view(3, -1);
        var x = leaning.select(0, 0).masked_select(skin);
        var y = leaning.select(0, 1).masked_select(skin);
        Assert.InRange(x.median().item<float>(), -0.3f, -0.03f);
        Assert.InRange(y.median().item<float>(), -0.01f, 0.01f);
        Assert.True(coverage.sum().item<float>() > skin.sum().item<long>());
    }

    [Fact]
    public void GradientsReachTheTexelsUnderTheSkin()
    {
        using var scope = NewDisposeScope();
        using var map = new DisplacementMap(_model, 64);
        using var topology = _model.CreateFittingTopology();
        var camera = new FaceClip.Core.Rendering.PerspectiveCamera(96, 96, Focal: 500, Distance: 60);
        var renderer = new FaceClip.Core.Rendering.MeshRenderer(camera);
        var vertices = camera.ToCameraSpace(_model.MeanShape.unsqueeze(0));
        var albedo = full(1, _model.VertexCount, 3, 0.7f);
        var light = zeros(1, 27);
        using (no_grad())
        {
            light[0, 0] = 0.8f;
            light[0, 3] = 0.4f;
            light[0, 9] = 0.8f;
            light[0, 18] = 0.8f;
        }

        var image = renderer.Render(vertices, topology, albedo, light, cullBackFaces: true, detail: map.Detail).Image;
        image.sum().backward();
        var grad = map.Map.grad!.view(64, 64);
        var touched = grad.abs().gt(1e-7).sum().item<long>();
        Assert.InRange(touched, 300, 4096);
        using var raster = map.Raster(fixture.Data);
        var (reach, _) = raster.Interpolate(map.VertexWeights.view(-1, 1));
        // No gradient where the map does not reach (beyond the one-texel spread of the slopes' differences).
        var far = nn.functional.max_pool2d(reach.view(1, 1, 64, 64), 5, 1, 2).view(64, 64) == 0;
        Assert.Equal(0, grad.abs().gt(1e-7).logical_and(far).sum().item<long>());
    }

    [Fact]
    public void SmoothnessIsZeroForAFlatMapAndGrowsWithRoughness()
    {
        using var scope = NewDisposeScope();
        using var map = new DisplacementMap(_model, 16);
        using (no_grad())
        {
            map.Map.fill_(0.3);
        }

        Assert.Equal(0f, map.Smoothness().item<float>(), 6);
        using (no_grad())
        {
            map.Map.copy_((arange(16 * 16).view(1, 1, 16, 16).remainder(2) * 0.1).to(ScalarType.Float32));
        }

        Assert.True(map.Smoothness().item<float>() > 0.01f);
    }

    [Fact]
    public void ThePngStoresTheMapWithItsRange()
    {
        using var scope = NewDisposeScope();
        using var map = new DisplacementMap(_model, 16);
        var values = Enumerable.Range(0, 256).Select(i => (float)Math.Sin(i * 0.1) * 0.05f).ToArray();
        using (no_grad())
        {
            map.Map.copy_(tensor(values).view(1, 1, 16, 16));
        }

        var png = map.ToPng(out var low, out var high);
        Assert.Equal(-high, low);
        Assert.Equal(values.Max(Math.Abs), high, 6);
        using var image = Image.Load<L16>(png);
        Assert.Equal((16, 16), (image.Width, image.Height));
        for (var i = 0; i < 256; i++)
        {
            var decoded = low + ((high - low) * image[i % 16, i / 16].PackedValue / 65535f);
            Assert.InRange(Math.Abs(values[i] - decoded), 0, (high - low) / 65535f); // within one grey level
        }
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
