using FaceClip.Core.Expression;
using FaceClip.Core.Vision;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Expression;

public sealed class ExpressionMapperTests
{
    private static (Tensor Beta, Tensor Identity, Tensor Prompt) Inputs(int batch)
    {
        using var g = new Generator(3);
        return (rand(batch, 53, generator: g), randn(batch, 160, generator: g), softmax(randn(batch, 7, generator: g), 1));
    }

    [Fact]
    public void TheSameSeedGivesTheSameMapperAndAnotherSeedAnotherOne()
    {
        var config = new ExpressionMapperConfig(PromptInputs: 7, Width: 32, Heads: 2);
        ExpressionMapper Make(ulong seed)
        {
            using var g = new Generator(seed);
            return new ExpressionMapper(config, g);
        }

        using var a = Make(5);
        // Draws from the global generator in between must not change what a seed gives.
        torch.random.manual_seed(99);
        using var noise = randn(1000);
        using var b = Make(5);
        using var c = Make(6);
        var (pa, pb, pc) = (a.parameters().ToList(), b.parameters().ToList(), c.parameters().ToList());
        Assert.Equal(pa.Count, pb.Count);
        var drawn = 0;
        for (var i = 0; i < pa.Count; i++)
        {
            Assert.True(pa[i].allclose(pb[i], 0, 0), $"parameter {i} differs for the same seed");
            // Every drawn parameter differs for another seed (the zero head and the layer norms' ones and zeros are constants).
            if ((pa[i].max() - pa[i].min()).item<float>() > 0)
            {
                drawn++;
                Assert.False(pa[i].allclose(pc[i], 0, 0), $"parameter {i} is the same for another seed");
            }
        }

        Assert.True(drawn > pa.Count / 2, $"{drawn} of {pa.Count} parameters drawn");
    }

    [Fact]
    public void AFreshMapperChangesNothingAndTrainingMakesTheOffsetDependOnThePrompt()
    {
        using var mapper = new ExpressionMapper(new ExpressionMapperConfig(PromptInputs: 7));
        var (beta, identity, prompt) = Inputs(2);
        using (no_grad())
        {
            var delta = mapper.forward(beta, identity, prompt);
            Assert.Equal([2L, 53L], delta.shape);
            Assert.Equal(0f, delta.abs().max().item<float>());
        }

        // Push prompt 0's first offset up and prompt 1's down: a mapper that reads the prompt can do both.
        using var optimizer = optim.Adam(mapper.parameters(), 1e-2);
        for (var i = 0; i < 40; i++)
        {
            optimizer.zero_grad();
            var d = mapper.forward(beta, identity, prompt);
            var loss = (d[0, 0] - 0.5).square() + (d[1, 0] + 0.5).square();
            loss.backward();
            optimizer.step();
        }

        using (no_grad())
        {
            var d = mapper.forward(beta, identity, prompt);
            Assert.True(d[0, 0].item<float>() > 0.3f, $"prompt 0 offset {d[0, 0].item<float>()}");
            Assert.True(d[1, 0].item<float>() < -0.3f, $"prompt 1 offset {d[1, 0].item<float>()}");
        }
    }

    [Fact]
    public void SavedMappersLoadWithTheirConfigurationAndGiveTheSameOffsets()
    {
        var config = new ExpressionMapperConfig(PromptInputs: 7, Width: 32, Heads: 2);
        using var mapper = new ExpressionMapper(config);
        using (no_grad())
        {
            using var g = new Generator(11);
            foreach (var p in mapper.parameters())
            {
                p.add_(randn(p.shape, generator: g) * 0.1);
            }
        }

        var path = Path.Combine(Path.GetTempPath(), $"faceclip-mapper-{Guid.NewGuid():N}.safetensors");
        try
        {
            mapper.Save(path);
            using var loaded = ExpressionMapper.Load(path);
            Assert.Equal(config, loaded.Config);
            Assert.Equal(3, loaded.Config.Blocks);
            var (beta, identity, prompt) = Inputs(3);
            using var noGrad = no_grad();
            var a = mapper.forward(beta, identity, prompt);
            var b = loaded.forward(beta, identity, prompt);
            Assert.True(a.abs().max().item<float>() > 0);
            Assert.Equal(0f, (a - b).abs().max().item<float>(), 6);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AFileThatIsNotAMapperIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"faceclip-notmapper-{Guid.NewGuid():N}.safetensors");
        try
        {
            Core.IO.SafeTensors.Save(path, new Dictionary<string, Tensor> { ["x"] = zeros(2) });
            var ex = Assert.Throws<InvalidDataException>(() => ExpressionMapper.Load(path));
            Assert.Contains("not an expression mapper", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SymmetricPairsTieLeftAndRightBlendshapes()
    {
        var pairs = ExpressionTransfer.SymmetricPairs(["browDown_L", "browDown_R", "jawLeft", "jawOpen", "jawRight", "mouthPucker", "eyeBlink_L"]);
        Assert.Equal([(0, 1), (2, 4)], pairs);
    }

    [Fact]
    public void ExpressionCropsPadTheShortSideWithZerosLikeFaceApi()
    {
        var image = ones(1, 3, 200, 200);
        var crop = ExpressionCrops.Extract(image, [new FaceBox(50, 20, 100, 160)]);
        Assert.Equal([1L, 3L, 112L, 112L], crop.shape);
        Assert.Equal(0f, crop[0, 0, 56, 2].item<float>());   // left bar
        Assert.Equal(0f, crop[0, 0, 56, 109].item<float>()); // right bar
        Assert.Equal(1f, crop[0, 0, 56, 56].item<float>(), 3);
        Assert.Equal(1f, crop[0, 0, 2, 56].item<float>(), 3); // the tall side is not padded
    }

    [Theory]
    [InlineData("A big smile!", "a-big-smile")]
    [InlineData("  ", "prompt")]
    [InlineData("très heureux", "tr-s-heureux")]
    public void SlugsAreFolderSafe(string prompt, string slug)
    {
        Assert.Equal(slug, ExpressionTransfer.Slug(prompt));
        Assert.Equal(slug + "-2", ExpressionTransfer.Slug(prompt, [slug]));
    }
}
