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
    public void UnlitCodesGiveIrradianceOneForEveryNormal()
    {
        using var scope = NewDisposeScope();
        var normals = nn.functional.normalize(randn(500, 3, generator: new TorchSharp.torch.Generator(3)), dim: -1);
        var codes = SphericalHarmonics.UnlitCodes(2);
        Assert.Equal([2L, 27L], codes.shape);
        var irradiance = SphericalHarmonics.IrradianceByRuns(cat([normals, normals], 0), codes, [500, 500]);
        Assert.True((irradiance - 1).abs().max().item<float>() < 1e-5f);
    }
}
