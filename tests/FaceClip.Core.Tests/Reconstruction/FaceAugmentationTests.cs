using FaceClip.Core.Reconstruction;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class FaceAugmentationTests
{
    private static Tensor Landmarks()
    {
        var random = new Random(5);
        return tensor(Enumerable.Range(0, 136).Select(_ => (float)(20 + (random.NextDouble() * 60))).ToArray()).view(1, 68, 2);
    }

    [Fact]
    public void TheFlipPermutationIsAnInvolutionThatSwapsSides()
    {
        var flip = FaceAugmentation.FlipPermutation;
        Assert.All(Enumerable.Range(0, 68), i => Assert.Equal(i, flip[flip[i]]));
        Assert.Equal(16, flip[0]);
        Assert.Equal(45, flip[36]);
        Assert.Equal(54, flip[48]);
        Assert.Equal(30, flip[30]);
        Assert.Equal(66, flip[66]);
    }

    [Fact]
    public void AFlipMirrorsPixelsAndReindexesLandmarks()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var image = rand(1, 3, 100, 100, generator: generator);
        var points = Landmarks();
        var (flipped, moved) = new FaceAugmentation(FlipProbability: 1, Zoom: 0, Shift: 0, Colour: 0).Apply(image, points, new Random(1));
        Assert.True(flipped.allclose(image.flip(3)));
        Assert.Equal(100 - points[0, 45, 0].item<float>(), moved[0, 36, 0].item<float>(), 4);
        Assert.Equal(points[0, 45, 1].item<float>(), moved[0, 36, 1].item<float>(), 4);
    }

    [Fact]
    public void ZoomAndShiftMoveLandmarksWithThePixels()
    {
        using var scope = NewDisposeScope();
        var points = Landmarks();
        var image = zeros(1, 3, 100, 100);
        var x = (int)points[0, 30, 0].item<float>();
        var y = (int)points[0, 30, 1].item<float>();
        image[.., .., y, x] = tensor(1f);
        var augmentation = new FaceAugmentation(FlipProbability: 0, Zoom: 0.2, Shift: 0.1, Colour: 0);
        for (var seed = 0; seed < 4; seed++)
        {
            var (moved, newPoints) = augmentation.Apply(image, points + 0.5f, new Random(seed));
            var brightest = moved[0, 0].flatten().argmax().item<long>();
            var (bx, by) = ((brightest % 100) + 0.5, (brightest / 100) + 0.5);
            Assert.InRange(bx - newPoints[0, 30, 0].item<float>(), -1.5, 1.5);
            Assert.InRange(by - newPoints[0, 30, 1].item<float>(), -1.5, 1.5);
        }
    }
}
