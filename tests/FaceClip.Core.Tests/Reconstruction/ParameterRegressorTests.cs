using FaceClip.Core.Reconstruction;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class ParameterRegressorTests(RegressorFixture fixture) : IClassFixture<RegressorFixture>
{
    private ParameterRegressor Create(bool branches = true) =>
        new(fixture.Reconstructor.Faces.RecognitionNet, fixture.Reconstructor.Model.Layout, new RegressorConfig { RefinementBranches = branches });

    private Tensor Faces(int count)
    {
        using var index = arange(count);
        return fixture.Data.Crops.index_select(0, index).to(ScalarType.Float32) / 255;
    }

    [Fact]
    public void PredictsEveryCodeWithExpressionsInTheBlendshapeRange()
    {
        using var scope = NewDisposeScope();
        using var regressor = Create();
        var layout = fixture.Reconstructor.Model.Layout;
        var codes = regressor.forward(Faces(2));
        Assert.Equal([2L, layout.Total], codes.shape);
        var expression = codes.narrow(1, layout.ExpressionOffset, layout.Expression);
        Assert.True(expression.min().item<float>() > 0 && expression.max().item<float>() < 1);
        Assert.DoesNotContain(regressor.parameters(), p => p.isnan().any().item<bool>());
        Assert.Equal([2L, 128, 8, 8], regressor.Coarse(Faces(2)).shape);
        Assert.Equal([2L, 256], regressor.Refine(regressor.Coarse(Faces(2))).shape);
    }

    [Fact]
    public void GradientsReachEveryBranchAndNotTheFrozenTrunk()
    {
        using var scope = NewDisposeScope();
        using var regressor = Create();
        var named = regressor.named_parameters().ToList();
        Assert.Contains(named, p => p.name.StartsWith("local.", StringComparison.Ordinal));
        Assert.Contains(named, p => p.name.StartsWith("global.", StringComparison.Ordinal));
        Assert.DoesNotContain(named, p => p.name.Contains("conv32", StringComparison.Ordinal));
        var codes = regressor.forward(Faces(2));
        codes.square().sum().backward();
        foreach (var (name, parameter) in named)
        {
            Assert.True(parameter.grad is not null && parameter.grad.abs().sum().item<float>() > 0, $"{name} has no gradient");
        }

        Assert.All(fixture.Reconstructor.Faces.RecognitionNet.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void TheAblationHasNoRefinementBranches()
    {
        using var scope = NewDisposeScope();
        using var full = Create();
        using var ablated = Create(branches: false);
        Assert.DoesNotContain(ablated.named_parameters(), p => p.name.StartsWith("local.", StringComparison.Ordinal) || p.name.StartsWith("global.", StringComparison.Ordinal));
        Assert.True(ablated.ParameterCount < full.ParameterCount / 2);
        Assert.Equal([1L, fixture.Reconstructor.Model.Layout.Total], ablated.forward(Faces(1)).shape);
    }

    [Fact]
    public void SavesAndLoadsTheSamePredictions()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(fixture.CacheDirectory, "roundtrip.safetensors");
        using var regressor = new ParameterRegressor(fixture.Reconstructor.Faces.RecognitionNet, fixture.Reconstructor.Model.Layout,
            new RegressorConfig { ResidualBlocks = 1, TransformerLayers = 3, Width = 64 });
        regressor.SetTranslationBase(tensor(new[] { 1f, -2f, -700f }));
        regressor.eval();
        regressor.Save(path, new Dictionary<string, string> { ["batch"] = "7" });
        using var loaded = ParameterRegressor.Load(path, fixture.Reconstructor.Faces.RecognitionNet, fixture.Reconstructor.Model.Layout, out var metadata);
        loaded.eval();
        Assert.Equal("7", metadata["batch"]);
        Assert.Equal(regressor.Config, loaded.Config);
        Assert.Equal(-700f, loaded.TranslationBase[2].item<float>());
        using var noGrad = no_grad();
        var images = Faces(2);
        Assert.True(regressor.forward(images).allclose(loaded.forward(images), rtol: 0, atol: 1e-6));
        File.WriteAllText(path, "not safetensors");
        Assert.ThrowsAny<Exception>(() => ParameterRegressor.Load(path, fixture.Reconstructor.Faces.RecognitionNet, fixture.Reconstructor.Model.Layout));
    }

    [Fact]
    public void TheCropCacheIsReusedWithTheSameFaces()
    {
        Assert.InRange(fixture.Data.Count, 15, 30);
        using var again = FaceCropDataset.Build(fixture.Reconstructor.Faces, fixture.Files, 224, 1.7, 48, fixture.CacheDirectory);
        Assert.True(again.FromCache);
        Assert.Equal(fixture.Data.Names, again.Names);
        Assert.True((fixture.Data.Crops == again.Crops).all().item<bool>());
        Assert.True(fixture.Data.Landmarks.allclose(again.Landmarks));
    }
}
