using FaceClip.Core.Clip;
using FaceClip.Core.IO;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Clip;

/// <summary>The tiny OpenAI-made CLIP models reproduce the reference implementation's outputs.</summary>
public sealed class ClipFixtureTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private static Dictionary<string, Tensor> Expected() =>
        SafeTensors.Load(Path.Combine(TestPaths.ClipFixtures, "clip_tiny_expected.safetensors"));

    internal static string Fixture(string name) => Path.Combine(TestPaths.ClipFixtures, name);

    private double AssertClose(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = (expected - actual.detach()).abs().max().item<float>();
        output.WriteLine($"{what}: max abs error {error:E2} (max |value| {expected.abs().max().item<float>():G4})");
        Assert.True(error < Tolerance, $"{what}: max abs error {error} exceeds {Tolerance}");
        return error;
    }

    [Fact]
    public void NormalisationMatchesTheReference()
    {
        var e = Expected();
        AssertClose(e["images_normalized"], ClipPreprocess.PrepareTensor(e["images_01"], 64), "images_normalized");
    }

    [Fact]
    public void TinyVitReproducesImageTextFeaturesAndLogits()
    {
        var e = Expected();
        using var model = ClipLoader.Load(Fixture("clip_tiny_vit.safetensors"));
        Assert.True(model.Config.IsVisionTransformer);
        Assert.True(model.HasText);
        Assert.Equal(64, model.ImageResolution);
        using var _ = no_grad();
        AssertClose(e["vit_image_features"], model.EncodeImage(e["images_normalized"]), "vit_image_features");
        AssertClose(e["vit_text_features"], model.EncodeText(e["text_tokens"]), "vit_text_features");
        var (perImage, perText) = model.Forward(e["images_normalized"], e["text_tokens"]);
        AssertClose(e["vit_logits_per_image"], perImage, "vit_logits_per_image");
        AssertClose(e["vit_logits_per_image"].t(), perText, "logits_per_text");
        // The [0, 1] entry point applies the same normalisation.
        AssertClose(e["vit_image_features"], model.EncodeImage01(e["images_01"]), "vit_image_features from [0,1]");
    }

    [Fact]
    public void TinyResNetReproducesStemLayersAndPooledOutput()
    {
        var e = Expected();
        using var model = ClipLoader.Load(Fixture("clip_tiny_rn.safetensors"));
        Assert.False(model.Config.IsVisionTransformer);
        Assert.False(model.HasText);
        Assert.Equal(new[] { 1, 2, 1, 1 }, model.Config.VisionLayers);
        using var _ = no_grad();
        using var f = model.EncodeImageFeatures(e["images_normalized"]);
        AssertClose(e["rn_stem"], f.Stem, "rn_stem");
        for (var l = 1; l <= 4; l++)
        {
            AssertClose(e[$"rn_layer{l}"], f.Layer(l), $"rn_layer{l}");
        }

        AssertClose(e["rn_image_features"], f.Pooled, "rn_image_features");
        AssertClose(e["rn_image_features"], model.EncodeImage(e["images_normalized"]), "EncodeImage");
        using var from01 = model.EncodeImageFeatures01(e["images_01"], lastLayer: 3);
        AssertClose(e["rn_layer3"], from01.Layer3, "rn_layer3 from [0,1]");
        Assert.Equal(0, from01.Layer4.numel()); // stages after lastLayer are skipped
        Assert.Throws<InvalidOperationException>(() => model.EncodeText(e["text_tokens"]));
    }

    [Fact]
    public void ModuleKeysAreTheReferenceStateDictKeys()
    {
        var source = SafeTensors.Load(Fixture("clip_tiny_vit.safetensors"));
        using var model = new ClipModel(ClipConfig.FromShapes(source.ToDictionary(kv => kv.Key, kv => kv.Value.shape)));
        var keys = model.state_dict().Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(source.Keys.Order(StringComparer.Ordinal).ToArray(), keys);
        Assert.Equal(model.Config.CountParameters(), model.CountAllocatedParameters());
    }

    [Fact]
    public void ResNetKeysIncludeBatchNormStatisticsAndAntiAliasedDownsample()
    {
        var source = SafeTensors.Load(Fixture("clip_tiny_rn.safetensors"));
        using var model = ClipModel.FromStateDict(source);
        var keys = model.state_dict().Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(source.Keys.Order(StringComparer.Ordinal).ToArray(), keys);
        Assert.Contains("visual.layer2.0.downsample.0.weight", keys);
        Assert.Equal(model.Config.CountParameters(), model.CountAllocatedParameters());
    }
}
