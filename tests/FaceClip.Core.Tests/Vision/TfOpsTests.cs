using FaceClip.Core.Vision;
using TorchSharp;

namespace FaceClip.Core.Tests.Vision;

public sealed class TfOpsTests
{
    [Theory]
    [InlineData(512, 3, 2, 0, 1)]
    [InlineData(7, 3, 1, 1, 1)]
    [InlineData(5, 3, 2, 1, 1)]
    [InlineData(112, 3, 2, 0, 1)]
    [InlineData(4, 1, 2, 0, 0)]
    public void SamePaddingPutsTheOddPixelAfterLikeTensorFlow(long size, int kernel, int stride, long before, long after)
    {
        Assert.Equal((before, after), TfOps.SamePadding(size, kernel, stride));
    }

    [Fact]
    public void StrideTwoSameConvolutionPadsOnlyBottomRightOnEvenInput()
    {
        using var scope = torch.NewDisposeScope();
        var conv = new SameConv2d("t", torch.ones(1, 1, 3, 3), null, stride: 2);
        var y = conv.forward(torch.ones(1, 1, 4, 4));
        // TF: window (0,0) covers rows/cols 0..2 entirely inside -> 9; window (1,1) covers 2..4 with one padded row/col -> 4.
        // PyTorch's symmetric padding=1 would give 4 at (0,0).
        Assert.Equal(new[] { 9f, 6f, 6f, 4f }, y.flatten().data<float>().ToArray());
    }

    [Fact]
    public void LegacyBilinearResizeSamplesAtDestTimesScaleWithoutHalfPixelOffset()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 0f, 1f, 2f, 3f }).view(1, 1, 2, 2);
        var y = TfOps.ResizeBilinearLegacy(x, 4, 4);
        // rows sample at 0, 0.5, 1, 1.5 (clamped to 1): row values 0, 1, 2, 2 (x2), cols 0, .5, 1, 1
        var expected = new[]
        {
            0f, 0.5f, 1f, 1f,
            1f, 1.5f, 2f, 2f,
            2f, 2.5f, 3f, 3f,
            2f, 2.5f, 3f, 3f,
        };
        Assert.Equal(expected, y.flatten().data<float>().ToArray());
        var down = TfOps.ResizeBilinearLegacy(torch.arange(16, dtype: torch.float32).view(1, 1, 4, 4), 2, 2);
        Assert.Equal(new[] { 0f, 2f, 8f, 10f }, down.flatten().data<float>().ToArray());
    }

    [Fact]
    public void VirtualPaddingResizeEqualsPaddingThenResizing()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(1);
        var x = torch.rand(1, 3, 37, 53, generator: generator) * 255;
        var padded = torch.nn.functional.pad(x, new long[] { 0, 0, 0, 16 });
        var expected = TfOps.ResizeBilinearLegacy(padded, 24, 24);
        var actual = TfOps.ResizeBilinearLegacy(x, 24, 24, 53, 53);
        Assert.True((expected - actual).abs().max().item<float>() < 1e-3f);
        Assert.True(expected[0, 0, 20].abs().sum().item<float>() == 0, "rows from the padding are zero");
    }
}
