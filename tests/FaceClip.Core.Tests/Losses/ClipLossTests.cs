using FaceClip.Core.Clip;
using FaceClip.Core.IO;
using FaceClip.Core.Losses;
using FaceClip.Core.Tests.Clip;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Losses;

/// <summary>The paper's CLIP losses on the tiny reference models, checked against the reference's own features.</summary>
public sealed class ClipLossTests(ITestOutputHelper output)
{
    private static readonly Lazy<ClipModel> Rn = new(() => ClipLoader.Load(ClipFixtureTests.Fixture("clip_tiny_rn.safetensors")).Freeze());
    private static readonly Lazy<ClipModel> Vit = new(() => ClipLoader.Load(ClipFixtureTests.Fixture("clip_tiny_vit.safetensors")).Freeze());

    private static Dictionary<string, Tensor> Expected() => SafeTensors.Load(ClipFixtureTests.Fixture("clip_tiny_expected.safetensors"));

    private static double Norm(Tensor t) => linalg.vector_norm(t.flatten()).item<float>();

    [Fact]
    public void GeometricLossIsTheWeightedL2DistanceOfLayer2AndLayer3()
    {
        var e = Expected();
        var loss = new ClipGeometricLoss(Rn.Value);
        var images = e["images_01"];
        var value = loss.Forward(images[..1], images[1..]).item<float>();
        var expected = Norm(e["rn_layer2"][0] - e["rn_layer2"][1]) + 0.5 * Norm(e["rn_layer3"][0] - e["rn_layer3"][1]);
        output.WriteLine($"L_geometric {value} vs reference features {expected}");
        Assert.Equal(expected, value, 4);
        Assert.Equal(0, loss.Forward(images, images).item<float>(), 5);
    }

    [Fact]
    public void SemanticLossIsOneMinusTheCosineOfImageEmbeddings()
    {
        var e = Expected();
        var loss = new ClipSemanticLoss(Vit.Value);
        var images = e["images_01"];
        var value = loss.Forward(images[..1], images[1..]).item<float>();
        var f = e["vit_image_features"];
        var expected = 1 - nn.functional.cosine_similarity(f[..1], f[1..], 1).item<float>();
        output.WriteLine($"L_semantic {value} vs reference features {expected}");
        Assert.Equal(expected, value, 4);
        Assert.Equal(0, loss.Forward(images, images).item<float>(), 5);
    }

    [Fact]
    public void ConsistencyLossIsTheSum()
    {
        var e = Expected();
        var images = e["images_01"];
        var geometric = new ClipGeometricLoss(Rn.Value);
        var semantic = new ClipSemanticLoss(Vit.Value);
        var cl = new ClipConsistencyLoss(geometric, semantic);
        var sum = geometric.Forward(images[..1], images[1..]).item<float>() + semantic.Forward(images[..1], images[1..]).item<float>();
        Assert.Equal(sum, cl.Forward(images[..1], images[1..]).item<float>(), 5);
        Assert.True(sum > 0);
    }

    [Fact]
    public void TextLossIsOneMinusTheCosineWithTheTextEmbedding()
    {
        var e = Expected();
        var loss = new ClipTextLoss(Vit.Value);
        var text = loss.EncodeTokens(e["text_tokens"][2..3]);
        var value = loss.Forward(e["images_01"][..1], text).item<float>();
        // The reference's logits are exp(logit_scale) x cosine.
        var cosine = e["vit_logits_per_image"][0, 2].item<float>() / Vit.Value.LogitScale.exp().item<float>();
        output.WriteLine($"L_clip {value} vs reference {1 - cosine}");
        Assert.Equal(1 - cosine, value, 4);
    }

    [Fact]
    public void TextLossTokenizesASentence()
    {
        var tokenizer = ClipTokenizer.Load(Path.Combine(TestPaths.SharedModels, "clip", "bpe_simple_vocab_16e6.txt.gz"));
        var loss = new ClipTextLoss(Vit.Value, tokenizer);
        var e = Expected();
        var fromText = loss.EncodeText("a photo of a smiling face");
        var fromTokens = loss.EncodeTokens(tokenizer.Tokenize(["a photo of a smiling face"]));
        Assert.True(fromText.allclose(fromTokens));
        Assert.InRange(loss.Forward(e["images_01"], "a photo of a smiling face").item<float>(), 0, 2);
    }

    [Fact]
    public void GradientsReachTheRenderedImageAndMatchFiniteDifferences()
    {
        var e = Expected();
        var target = e["images_01"][..1];
        var losses = new (string Name, Func<Tensor, Tensor> Loss)[]
        {
            ("geometric", r => new ClipGeometricLoss(Rn.Value).Forward(target, r)),
            ("semantic", r => new ClipSemanticLoss(Vit.Value).Forward(target, r)),
            ("text", r => new ClipTextLoss(Vit.Value).Forward(r, Vit.Value.EncodeText(e["text_tokens"][..1]).detach())),
        };
        foreach (var (name, loss) in losses)
        {
            // A rendered image at another size exercises the differentiable resize as well.
            var rendered = e["images_01"][1..].to(ScalarType.Float64).to(ScalarType.Float32);
            rendered = nn.functional.interpolate(rendered, [80, 80], mode: InterpolationMode.Bilinear, align_corners: false).clamp(0.05, 0.95).detach().requires_grad_(true);
            var value = loss(rendered);
            value.backward();
            var grad = rendered.grad!;
            Assert.True(grad.abs().sum().item<float>() > 0, $"{name}: no gradient reached the rendered image");
            Assert.False(grad.isnan().any().item<bool>(), name);

            using var noGrad = no_grad();
            var direction = grad / linalg.vector_norm(grad.flatten());
            const float eps = 1e-2f;
            var plus = loss(rendered + (direction * eps)).item<float>();
            var minus = loss(rendered - (direction * eps)).item<float>();
            var numeric = (plus - minus) / (2 * eps);
            var analytic = (grad * direction).sum().item<float>();
            output.WriteLine($"{name}: directional derivative analytic {analytic:G5}, finite difference {numeric:G5}");
            Assert.InRange(numeric, analytic * 0.9, analytic * 1.1);
        }

        Assert.All(Rn.Value.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void LossesRefuseModelsThatLackWhatTheyNeed()
    {
        Assert.Throws<ArgumentException>(() => new ClipGeometricLoss(Vit.Value));
        Assert.Throws<ArgumentException>(() => new ClipTextLoss(Rn.Value));
    }
}
