using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Geometry;

public sealed class FaceModelTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>
{
    private readonly FaceModelData _data = fixture.Data;

    [Fact]
    public void CodeLayoutFollowsThePaper()
    {
        using var model = new FaceModel(_data);
        Assert.Equal(80 + 53 + 80 + 6 + 27, model.Layout.Total);
        using var scope = NewDisposeScope();
        var codes = arange(2 * model.Layout.Total, dtype: float32).view(2, -1).requires_grad_();
        var split = model.SplitCodes(codes);
        Assert.Equal([2L, 80], split.Shape.shape);
        Assert.Equal([2L, 53], split.Expression.shape);
        Assert.Equal([2L, 80], split.Texture.shape);
        Assert.Equal([2L, 3], split.Rotation.shape);
        Assert.Equal([2L, 3], split.Translation.shape);
        Assert.Equal([2L, 27], split.Lighting.shape);
        Assert.Equal(213f, split.Rotation[0, 0].item<float>());
        Assert.Equal(246f + 219f, split.Lighting[1, 0].item<float>());
        split.Translation.sum().backward();
        Assert.Equal(6f, codes.grad!.sum().item<float>());
        Assert.Throws<ArgumentException>(() => model.SplitCodes(zeros(2, 245)));
    }

    [Fact]
    public void ShapeIsNeutralPlusIdentityAndExpressionDeltasPerBatchItem()
    {
        using var model = new FaceModel(_data);
        using var scope = NewDisposeScope();
        var codes = model.ZeroCodes(2);
        var jaw = Array.IndexOf(_data.ExpressionNames, "jawOpen");
        codes[1, 3] = 1.5f;
        codes[1, model.Layout.ExpressionOffset + jaw] = 1f;
        var split = model.SplitCodes(codes);
        var shape = model.ComputeShape(split.Shape, split.Expression);
        Assert.Equal([2L, 26_719, 3], shape.shape);
        Assert.True(shape[0].allclose(model.MeanShape));
        var v = 4321;
        for (var k = 0; k < 3; k++)
        {
            var expected = _data.Neutral[v * 3 + k] + 1.5f * _data.IdentityDeltas[3 * _data.VertexCount * 3 + v * 3 + k]
                + _data.ExpressionDeltas[jaw * _data.VertexCount * 3 + v * 3 + k];
            Assert.Equal(expected, shape[1, v, k].item<float>(), 4);
        }

        var albedo = model.ComputeAlbedo(split.Texture);
        Assert.True(albedo[0].allclose(model.MeanAlbedo));
    }

    [Fact]
    public void RotationsAreProperAndFollowRzRyRx()
    {
        using var scope = NewDisposeScope();
        var angles = tensor(new[] { 0f, (float)(Math.PI / 2), 0f, 0.3f, -0.5f, 1.1f }).view(2, 3);
        var r = FaceModel.ComputeRotation(angles);
        Assert.True(r.bmm(r.transpose(1, 2)).allclose(eye(3).expand(2, 3, 3), atol: 1e-6));
        Assert.True(linalg.det(r).allclose(ones(2), atol: 1e-6));
        // A quarter turn about y takes the face direction (+z) to +x.
        var turned = FaceModel.ApplyPose(tensor(new[] { 0f, 0f, 1f }).view(1, 1, 3), r[0..1], zeros(1, 3));
        Assert.True(turned.allclose(tensor(new[] { 1f, 0f, 0f }).view(1, 1, 3), atol: 1e-6));
        var (x, y, z) = (0.3, -0.5, 1.1);
        var rz = tensor(new[] { Math.Cos(z), -Math.Sin(z), 0, Math.Sin(z), Math.Cos(z), 0, 0, 0, 1 }).view(3, 3);
        var ry = tensor(new[] { Math.Cos(y), 0, Math.Sin(y), 0, 1, 0, -Math.Sin(y), 0, Math.Cos(y) }).view(3, 3);
        var rx = tensor(new[] { 1, 0, 0, 0, Math.Cos(x), -Math.Sin(x), 0, Math.Sin(x), Math.Cos(x) }).view(3, 3);
        Assert.True(r[1].to(float64).allclose(rz.mm(ry).mm(rx), atol: 1e-6));
    }

    [Fact]
    public void LandmarksProjectWhereExpectedAndAreVisible()
    {
        using var model = new FaceModel(_data);
        using var topology = model.CreateFittingTopology();
        using var scope = NewDisposeScope();
        var camera = new PerspectiveCamera();
        var renderer = new MeshRenderer(camera);
        var split = model.SplitCodes(model.ZeroCodes(1));
        var cameraVertices = camera.ToCameraSpace(model.ComputeShape(split.Shape, split.Expression));
        var landmarks = model.GetLandmarks(renderer.Project(cameraVertices))[0];
        float U(int i) => landmarks[i, 0].item<float>();
        float V(int i) => landmarks[i, 1].item<float>();
        Assert.Equal(112f, U(30), 0);
        Assert.Equal(112f, U(8), 0);
        Assert.True(U(36) < U(39) && U(39) < 112 && 112 < U(42) && U(42) < U(45));
        Assert.True(V(19) < V(37) && V(37) < V(30) && V(30) < V(51) && V(51) < V(57) && V(57) < V(8));
        // The face spans a sensible part of the 224 crop.
        Assert.InRange(U(16) - U(0), 100, 170);
        Assert.All(Enumerable.Range(0, 68), i => Assert.InRange(V(i), 20, 204));

        // At each landmark's pixel, the visible surface is the landmark's (its depth agrees within 0.3 cm), except for
        // the jaw line, which lies on the silhouette.
        var output = renderer.Render(cameraVertices, topology, model.MeanAlbedo.unsqueeze(0), zeros(1, 27));
        var depths = landmarks.select(1, 2);
        foreach (var i in new[] { 19, 24, 27, 30, 33, 36, 45, 48, 51, 54, 57 })
        {
            var (x, y) = ((long)U(i), (long)V(i));
            Assert.Equal(1f, output.Mask[0, 0, y, x].item<float>());
            Assert.InRange(output.Depth[0, 0, y, x].item<float>() - depths[i].item<float>(), -0.3f, 0.3f);
        }

        var opened = model.ZeroCodes(1);
        opened[0, model.Layout.ExpressionOffset + Array.IndexOf(_data.ExpressionNames, "jawOpen")] = 1f;
        var openSplit = model.SplitCodes(opened);
        var openLandmarks = model.GetLandmarks(renderer.Project(camera.ToCameraSpace(model.ComputeShape(openSplit.Shape, openSplit.Expression))))[0];
        Assert.True(openLandmarks[8, 1].item<float>() > V(8) + 10, "opening the jaw moves the chin down the image");
        Assert.Equal(V(19), openLandmarks[19, 1].item<float>(), 1);
    }

    [Fact]
    public void AlbedoBasisIsLowFrequencyWithDecreasingVarianceAndOnlyOnSkin()
    {
        var modes = AlbedoModel.Modes(80);
        Assert.Equal(80, modes.Count);
        Assert.Equal([(0, 0, 0), (0, 0, 1), (0, 0, 2)], modes.Take(3).Select(m => (m.P, m.Q, m.Axis)));
        Assert.True(modes.Zip(modes.Skip(1)).All(p => p.First.Sigma >= p.Second.Sigma));
        Assert.True(modes.Max(m => Math.Max(m.P, m.Q)) <= 6);

        using var model = new FaceModel(_data);
        using var scope = NewDisposeScope();
        var basis = model.AlbedoBasis.view(80, -1, 3);
        var iris = _data.Triangles[_data.TriangleIdsWhere(r => r == FaceRegion.IrisLeft)[0] * 3];
        var cheek = _data.Landmarks[3];
        Assert.Equal(0f, basis[.., iris].abs().max().item<float>());
        Assert.True(basis[.., cheek].abs().max().item<float>() > 0.01f);
        // The first mode is a uniform change of luminance: equal in R, G and B, equal on every skin vertex.
        Assert.Equal(basis[0, cheek, 0].item<float>(), basis[0, _data.Landmarks[30], 2].item<float>(), 6);
        Assert.Equal(AlbedoModel.Skin[0], model.MeanAlbedo[cheek, 0].item<float>());

        // ICT's iris meshes carry the whole visible eyeball: pupil, iris and sclera by distance from the eye's axis.
        var eye = _data.VerticesOfTriangles(_data.TriangleIdsWhere(r => r == FaceRegion.IrisRight)).Distinct().ToArray();
        var (cx, cy) = (eye.Average(v => _data.Neutral[v * 3]), eye.Average(v => _data.Neutral[v * 3 + 1]));
        double Radius(int v) => Math.Sqrt(Math.Pow(_data.Neutral[v * 3] - cx, 2) + Math.Pow(_data.Neutral[v * 3 + 1] - cy, 2));
        var mean = model.MeanAlbedo.data<float>().ToArray();
        Assert.Equal(AlbedoModel.RegionColour(FaceRegion.IrisRight)[0], mean[eye.First(v => Radius(v) is > 0.3 and < 0.5) * 3]);
        Assert.Equal(AlbedoModel.RegionColour(FaceRegion.ScleraRight)[0], mean[eye.First(v => Radius(v) > 0.8) * 3]);
        Assert.True(mean[eye.MinBy(Radius) * 3] < 0.1f);
    }

    [Fact]
    public void FittingModelIsTheFullModelRestrictedToTheFittingRegion()
    {
        using var full = new FaceModel(_data);
        using var fitting = full.CreateFittingModel();
        var map = fitting.Data.SourceVertices!;
        Assert.InRange(fitting.VertexCount, 3_000, 9_409);
        Assert.Equal(full.Data.FittingTriangleIds().Length, fitting.Data.TriangleCount);
        Assert.Equal(fitting.Data.TriangleCount, fitting.Data.FittingTriangleIds().Length);
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var codes = randn(2, full.Layout.Total, generator: generator) * 0.5f;
        var a = full.SplitCodes(codes);
        var b = fitting.SplitCodes(codes);
        var index = tensor(map.Select(v => (long)v).ToArray());
        Assert.True(full.ComputeShape(a.Shape, a.Expression).index_select(1, index).allclose(fitting.ComputeShape(b.Shape, b.Expression), atol: 1e-4));
        Assert.True(full.ComputeAlbedo(a.Texture).index_select(1, index).allclose(fitting.ComputeAlbedo(b.Texture), atol: 1e-5));
        Assert.Equal(_data.Landmarks, fitting.Data.Landmarks.Select(l => map[l]));
        Assert.Throws<ArgumentException>(() => _data.Subset(_data.TriangleIdsWhere(r => r == FaceRegion.Teeth)));
    }

    [Fact]
    public void CodeRendererDrawsTheFaceWhereItsLandmarksProjectAndPassesGradientsToEveryCodePart()
    {
        using var full = new FaceModel(_data);
        using var model = full.CreateFittingModel();
        using var topology = model.CreateFittingTopology();
        using var scope = NewDisposeScope();
        var renderer = new FaceCodeRenderer(model, topology, new PerspectiveCamera());
        using var generator = new Generator(9);
        var codes = (randn(2, model.Layout.Total, generator: generator) * 0.1f).requires_grad_();
        var result = renderer.Render(codes);
        Assert.Equal([2L, 68, 2], result.Landmarks.shape);
        Assert.Equal([2L, 3, 224, 224], result.Output.Image.shape);
        for (var b = 0; b < 2; b++)
        {
            // The nose tip and mouth corners fall on drawn pixels.
            foreach (var i in new[] { 30, 48, 54 })
            {
                var (x, y) = ((long)result.Landmarks[b, i, 0].item<float>(), (long)result.Landmarks[b, i, 1].item<float>());
                Assert.Equal(1f, result.Output.Mask[b, 0, y, x].item<float>());
            }
        }

        (result.Output.Image.square().mean() + result.Landmarks.mean()).backward();
        var grad = model.SplitCodes(codes.grad!);
        foreach (var part in new[] { grad.Shape, grad.Expression, grad.Texture, grad.Rotation, grad.Translation, grad.Lighting })
        {
            Assert.True(part.abs().sum().item<float>() > 0);
        }
    }
}
