using FaceClip.Core.Clip;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Clip;

public sealed class ClipPreprocessTests
{
    [Fact]
    public void AnImageAtTheModelResolutionIsOnlyNormalised()
    {
        using var generator = new Generator(1);
        var images = rand(2, 3, 32, 32, generator: generator);
        var prepared = ClipPreprocess.PrepareTensor(images, 32);
        Assert.True(prepared.equal(ClipPreprocess.Normalize(images)).all().item<bool>());
        var mean = ClipPreprocess.Normalize(full(1, 3, 1, 1, 0.5f));
        Assert.Equal((0.5f - 0.48145466f) / 0.26862954f, mean[0, 0, 0, 0].item<float>(), 5);
    }

    [Fact]
    public void TheShorterSideIsResizedAndTheCentreCropped()
    {
        // Left third red, middle third green, right third blue: a 3:1 image keeps its middle third after the crop.
        var image = zeros(1, 3, 60, 180);
        image[0, 0, .., ..60] = tensor(1f);
        image[0, 1, .., 60..120] = tensor(1f);
        image[0, 2, .., 120..] = tensor(1f);
        var resized = ClipPreprocess.ResizeShorterSideAndCrop(image, 30);
        Assert.Equal(new long[] { 1, 3, 30, 30 }, resized.shape);
        Assert.Equal(1f, resized[0, 1, 15, 15].item<float>(), 3);
        Assert.True(resized[0, 0, .., 3..].max().item<float>() < 0.01f); // only the border pixels see the neighbours
        Assert.True(resized[0, 2, .., ..27].max().item<float>() < 0.01f);
        Assert.True(resized[0, 0, .., 0].min().item<float>() > 0.01f);
    }

    [Fact]
    public void DownscalingIsAntialiased()
    {
        // A one-pixel checkerboard shrunk 4x averages to grey instead of aliasing to black or white.
        var checker = ((arange(64).view(64, 1) + arange(64).view(1, 64)) % 2).to(ScalarType.Float32);
        var image = checker.expand(1, 3, 64, 64).contiguous();
        var small = ClipPreprocess.ResizeShorterSideAndCrop(image, 16);
        Assert.InRange(small.min().item<float>(), 0.4f, 0.6f);
        Assert.InRange(small.max().item<float>(), 0.4f, 0.6f);
    }

    [Fact]
    public void PreparationIsDifferentiable()
    {
        using var generator = new Generator(2);
        var images = rand(1, 3, 50, 70, generator: generator).requires_grad_(true);
        ClipPreprocess.PrepareTensor(images, 32).sum().backward();
        Assert.True(images.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void PhotosLoadAsRgbInZeroOne()
    {
        var path = Path.Combine(Path.GetTempPath(), $"clip-photo-{Guid.NewGuid():N}.png");
        try
        {
            using (var image = new Image<Rgb24>(40, 20, new Rgb24(255, 128, 0)))
            {
                image[0, 0] = new Rgb24(0, 0, 255);
                image.SaveAsPng(path);
            }

            var t = ClipPreprocess.LoadImage01(path);
            Assert.Equal(new long[] { 1, 3, 20, 40 }, t.shape);
            Assert.Equal(1f, t[0, 0, 5, 5].item<float>());
            Assert.Equal(128 / 255f, t[0, 1, 5, 5].item<float>(), 5);
            Assert.Equal(1f, t[0, 2, 0, 0].item<float>());
            var prepared = ClipPreprocess.PreparePhoto(path, 16);
            Assert.Equal(new long[] { 1, 3, 16, 16 }, prepared.shape);
            Assert.Equal((1f - ClipPreprocess.Mean[0]) / ClipPreprocess.Std[0], prepared[0, 0, 8, 8].item<float>(), 3);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
