using FaceClip.Core.Clip;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Clip;

[Collection(MetaDeviceCollection.Name)]
public sealed class ClipConfigTests
{
    [Fact]
    public void VitB32HasThePublishedParameterCount()
    {
        var config = new ClipConfig(512, 224, [12], 768, 32, new ClipTextConfig(77, 49408, 512, 8, 12));
        Assert.Equal(87_849_216, config.CountVisionParameters());
        Assert.Equal(151_277_313, config.CountParameters());
        Assert.Equal(config.CountParameters(), ClipConfig.ViTB32.CountParameters());
        Assert.Equal(12, config.VisionHeads);
    }

    [Fact]
    public void RN50x4HasThePublishedParameterCount()
    {
        var config = new ClipConfig(640, 288, [4, 6, 10, 6], 80, null, new ClipTextConfig(77, 49408, 640, 10, 12));
        Assert.Equal(87_137_080, config.CountVisionParameters());
        Assert.Equal(178_300_601, config.CountParameters());
        Assert.Equal(40, config.VisionHeads);
    }

    [Fact]
    public void BuildingOnTheMetaDeviceCountsWithoutAllocating()
    {
        Assert.Equal(151_277_313, ClipModel.CountParametersOnMeta(ClipConfig.ViTB32, out var visualVit));
        Assert.Equal(87_849_216, visualVit);
        Assert.Equal(178_300_601, ClipModel.CountParametersOnMeta(ClipConfig.RN50x4, out var visualRn));
        Assert.Equal(87_137_080, visualRn);
    }

    public static IEnumerable<object[]> SmallConfigs() =>
    [
        [new ClipConfig(16, 32, [2], 64, 8, new ClipTextConfig(10, 100, 64, 1, 2))],
        [new ClipConfig(24, 64, [2, 1, 3, 1], 16, null, new ClipTextConfig(12, 50, 64, 1, 1))],
        [new ClipConfig(24, 96, [1, 1, 1, 2], 8, null, null)],
    ];

    [Theory]
    [MemberData(nameof(SmallConfigs))]
    public void TheFormulaCountsWhatTheModulesAllocateAndTheShapesGiveTheConfigBack(ClipConfig config)
    {
        using var model = new ClipModel(config);
        Assert.Equal(config.CountParameters(), model.CountAllocatedParameters());
        Assert.Equal(config.CountVisionParameters(), model.Visual.parameters().Sum(p => p.numel()));
        var read = ClipConfig.FromShapes(model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape));
        Assert.Equal(config.EmbedDim, read.EmbedDim);
        Assert.Equal(config.ImageResolution, read.ImageResolution);
        Assert.Equal(config.VisionLayers, read.VisionLayers);
        Assert.Equal(config.VisionWidth, read.VisionWidth);
        Assert.Equal(config.VisionPatchSize, read.VisionPatchSize);
        Assert.Equal(config.Text, read.Text);
    }

    [Fact]
    public void RandomModelsRunAtTheirResolution()
    {
        using var model = new ClipModel(new ClipConfig(16, 64, [1, 1, 1, 1], 8, null, new ClipTextConfig(77, 49408, 64, 1, 1)));
        using var _ = no_grad();
        using var generator = new Generator(1);
        Assert.Equal(new long[] { 2, 16 }, model.EncodeImage01(rand(2, 3, 100, 80, generator: generator)).shape);
        Assert.Equal(new long[] { 3, 16 }, model.EncodeText(zeros(3, 77, dtype: ScalarType.Int64)).shape);
    }

    [Fact]
    public void NamedConfigsCoverTheReleasedModels()
    {
        Assert.Same(ClipConfig.RN50x4, ClipConfig.Named("RN50x4"));
        Assert.Same(ClipConfig.ViTB32, ClipConfig.Named("ViT-B/32"));
        Assert.Throws<ArgumentException>(() => ClipConfig.Named("ViT-Z/99"));
    }
}
