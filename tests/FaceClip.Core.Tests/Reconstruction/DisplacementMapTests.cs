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

    private Tensor Normals()
    {
        using var topology = _model.CreateFittingTopology();
        return DisplacementMap.BaseNormals(_model.MeanShape.unsqueeze(0), topology);
    }

    [Fact]
    public void AConstantMapMovesTheInnerFaceAlongItsNormalsAndNothingElse()
    {
        using var scope = NewDisposeScope();
        using var map = new DisplacementMap(_model, 32);
        using (no_grad())
        {
            map.Map.fill_(0.2);
        }

        var normals = Normals();
        var offsets = map.Offsets(normals)[0];
        var weights = DisplacementMap.BorderWeights(fixture.Data);
        var lengths = offsets.norm(-1).data<float>().ToArray();
        var inner = Enumerable.Range(0, weights.Length).Where(v => weights[v] == 1).ToArray();
        var outside = Enumerable.Range(0, weights.Length).Where(v => weights[v] == 0).ToArray();
        var border = Enumerable.Range(0, weights.Length).Where(v => weights[v] is > 0 and < 1).ToArray();
        Assert.True(inner.Length > 3000, $"{inner.Length} inner vertices");
        Assert.NotEmpty(border);
        Assert.All(inner, v => Assert.Equal(0.2f, lengths[v], 4));
        Assert.All(outside, v => Assert.Equal(0f, lengths[v]));
        Assert.All(border, v => Assert.InRange(lengths[v], 0.01f, 0.19f));

        // Along the normal, outwards.
        var n = normals[0].data<float>().ToArray();
        var o = offsets.data<float>().ToArray();
        var v0 = inner[inner.Length / 2];
        Assert.Equal(0.2, (n[3 * v0] * o[3 * v0]) + (n[(3 * v0) + 1] * o[(3 * v0) + 1]) + (n[(3 * v0) + 2] * o[(3 * v0) + 2]), 4);
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
    public void GradientsReachTheTexelsUnderTheVertices()
    {
        using var scope = NewDisposeScope();
        using var map = new DisplacementMap(_model, 64);
        var offsets = map.Offsets(Normals());
        (offsets * Normals()).sum().backward(); // d(sum of normal displacements)/d(texel) = the texel's bilinear weight total
        var grad = map.Map.grad!.view(64, 64);
        var touched = grad.abs().gt(1e-6).sum().item<long>();
        Assert.InRange(touched, 500, 4096);
        Assert.True(grad.min().item<float>() >= 0);
        Assert.Equal(map.VertexWeights.sum().item<float>(), grad.sum().item<float>(), 1);
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
