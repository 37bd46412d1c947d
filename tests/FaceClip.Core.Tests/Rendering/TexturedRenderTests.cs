using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using FaceClip.Core.Tests.Geometry;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Rendering;

/// <summary>A texture in the exported atlas layout, rendered through the model's topology, shows the colours that
/// were baked into it where they belong.</summary>
public sealed class TexturedRenderTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>
{
    [Fact]
    public void TheExportedAtlasRendersLikeThePerVertexColoursItWasBakedFrom()
    {
        using var scope = NewDisposeScope();
        using var model = new FaceModel(fixture.Data);
        using var topology = model.CreateDisplayTopology();
        // A colourful albedo: smooth in space, different per region, so a UV mix-up shows.
        var positions = model.MeanShape;
        var albedo = (positions / 8).sin().mul(0.35).add(0.5).unsqueeze(0);
        var exported = FaceMeshExport.Create(model, positions, albedo[0], textureSize: 256, includeExpressions: false);
        using var atlas = FaceImage.FromImage(exported.Texture!);
        exported.Texture!.Dispose();
        var texture = atlas.Pixels / 255.0;

        var camera = new PerspectiveCamera(160, 160, Focal: 700, Distance: 125);
        var renderer = new MeshRenderer(camera);
        var cameraVertices = camera.ToCameraSpace(positions.unsqueeze(0));
        var lighting = zeros(1, 27);
        var perVertex = renderer.Render(cameraVertices, topology, albedo, lighting, cullBackFaces: true);
        var textured = renderer.Render(cameraVertices, topology, albedo, lighting, texture, cullBackFaces: true);

        var mask = perVertex.Mask.expand(-1, 3, -1, -1) > 0.5f;
        var difference = (perVertex.Albedo - textured.Albedo).abs().masked_select(mask);
        Assert.True(mask.sum().item<long>() > 3 * 4000);
        Assert.True(difference.mean().item<float>() < 0.01f, $"mean albedo difference {difference.mean().item<float>()}");
        Assert.True(difference.to(ScalarType.Float64).quantile(0.95).item<double>() < 0.03, $"95th percentile {difference.to(ScalarType.Float64).quantile(0.95).item<double>()}");
    }

    [Fact]
    public void ATextureWeightShowsThePhotoUnlitWhereItIsOneAndTheLitAlbedoWhereItIsZero()
    {
        using var scope = NewDisposeScope();
        using var model = new FaceModel(fixture.Data);
        using var topology = model.CreateDisplayTopology();
        var positions = model.MeanShape;
        var camera = new PerspectiveCamera(160, 160, Focal: 700, Distance: 125);
        var renderer = new MeshRenderer(camera);
        var cameraVertices = camera.ToCameraSpace(positions.unsqueeze(0));
        var albedo = full(1, model.VertexCount, 3, 0.6f);
        var lighting = zeros(1, 27);
        lighting[0, 0] = 0.9f; // grey ambient light with a left-right gradient, so lit and unlit differ
        lighting[0, 9] = 0.9f;
        lighting[0, 18] = 0.9f;
        lighting[0, 3] = 0.4f;
        var texture = full(1, 3, 64, 64, 0.2f);
        texture[0, 0] = 0.9f; // a red-ish photo

        // The photo above the nose tip, the albedo below.
        var data = fixture.Data;
        var tipY = data.Neutral[(data.Landmarks[30] * 3) + 1];
        var weight = tensor(Enumerable.Range(0, model.VertexCount).Select(v => data.Neutral[(v * 3) + 1] > tipY ? 1f : 0f).ToArray());
        var blended = renderer.Render(cameraVertices, topology, albedo, lighting, texture, cullBackFaces: true, textureWeight: weight);
        var lit = renderer.Render(cameraVertices, topology, albedo, lighting, cullBackFaces: true);
        var pixelWeight = renderer.Render(cameraVertices, topology, weight.view(1, -1, 1).expand(1, -1, 3), SphericalHarmonics.UnlitCodes(1), cullBackFaces: true).Image.narrow(1, 0, 1);

        var covered = lit.Mask > 0.5f;
        var photo = covered & (pixelWeight > 0.999f);
        var shaded = covered & (pixelWeight < 0.001f);
        Assert.True(photo.sum().item<long>() > 1000 && shaded.sum().item<long>() > 1000);
        var unlitPhoto = texture[0, .., 0, 0].view(1, 3, 1, 1);
        // (The texture is uniform; texels at the atlas's outer border are sampled half outside it, hence the quantile.)
        var offPhoto = (blended.Image - unlitPhoto).abs().masked_select(photo.expand(-1, 3, -1, -1)).to(ScalarType.Float64);
        Assert.True(offPhoto.quantile(0.95).item<double>() < 1e-4, $"the photo is drawn unlit: 95th percentile {offPhoto.quantile(0.95).item<double>()}");
        Assert.True((blended.Image - lit.Image).abs().masked_select(shaded.expand(-1, 3, -1, -1)).max().item<float>() < 1e-4f, "elsewhere the albedo is lit as before");
        Assert.True((lit.Image - unlitPhoto).abs().masked_select(photo.expand(-1, 3, -1, -1)).mean().item<float>() > 0.1f, "the two differ, so the test can tell them apart");
    }

    [Fact]
    public void TheMouthsInsideDarkensBehindTheFrontTeeth()
    {
        var data = fixture.Data;
        var mean = AlbedoModel.MeanAlbedo(data);
        var teeth = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r == FaceRegion.Teeth)).Distinct().ToArray();
        var front = teeth.MaxBy(v => data.Neutral[(v * 3) + 2]);
        var back = teeth.MinBy(v => data.Neutral[(v * 3) + 2]);
        Assert.Equal(AlbedoModel.RegionColour(FaceRegion.Teeth)[0], mean[front * 3], 3);
        Assert.InRange(mean[back * 3], AlbedoModel.RegionColour(FaceRegion.Teeth)[0] * AlbedoModel.MouthFloor * 0.99f, AlbedoModel.RegionColour(FaceRegion.Teeth)[0] * 0.5f);
        Assert.Equal(1f, AlbedoModel.MouthOcclusion(0));
        Assert.True(AlbedoModel.MouthOcclusion(1) < AlbedoModel.MouthOcclusion(0.5f) && AlbedoModel.MouthOcclusion(100) >= AlbedoModel.MouthFloor);
    }

    [Fact]
    public void UnlitCodesGiveIrradianceOneForEveryNormal()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var normals = nn.functional.normalize(randn(500, 3, generator: generator), dim: -1);
        var codes = SphericalHarmonics.UnlitCodes(2);
        Assert.Equal([2L, 27L], codes.shape);
        var irradiance = SphericalHarmonics.IrradianceByRuns(cat([normals, normals], 0), codes, [500, 500]);
        Assert.True((irradiance - 1).abs().max().item<float>() < 1e-5f);
    }
}
