using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class FaceCropTests
{
    private static readonly (float X, float Y)[] Square = Enumerable.Range(0, 68).Select(i => ((float)(100 + (i % 10) * 10), (float)(200 + (i / 10) * 15))).ToArray();

    [Fact]
    public void CropIsCentredOnTheLandmarksAndScaledToTheirExtent()
    {
        var crop = FaceCrop.Around(Square, 224, 2.0);
        Assert.Equal(180, crop.Side, 6); // extent 90 (y) x 2
        var (cx, _) = crop.ToCrop(145, 245);
        Assert.Equal(112, cx, 6);
    }

    [Fact]
    public void PhotoAndCropCoordinatesRoundTrip()
    {
        var crop = new FaceCrop(37.5, -12, 300, 224);
        var (x, y) = crop.ToCrop(100, 50);
        var (px, py) = crop.ToPhoto(x, y);
        Assert.Equal(100, px, 9);
        Assert.Equal(50, py, 9);
    }

    [Fact]
    public void ExtractSamplesThePhotoInsideTheBox()
    {
        // A photo whose red channel is the column index: the crop's red must be the photo column it samples.
        var columns = arange(400, dtype: float32).view(1, 1, 1, 400).expand(1, 3, 300, 400).contiguous() * 0.5f;
        var crop = new FaceCrop(100, 50, 200, 100);
        var image = crop.Extract(columns);
        Assert.Equal(new long[] { 1, 3, 100, 100 }, image.shape);
        var expected = (100 + (10.5 * 2) - 0.5) * 0.5 / 255; // crop pixel 10 samples photo x = 120.5 (centre)
        Assert.Equal(expected, image[0, 0, 50, 10].item<float>(), 3);
    }

    [Fact]
    public void CropResizeOfTheWholeImageIsTheIdentity()
    {
        using var generator = new Generator(1);
        var image = rand(1, 3, 16, 16, generator: generator);
        var same = FaceCrop.CropResize(image, new FaceBox(0, 0, 16, 16), 16);
        Assert.True(allclose(image, same, 1e-5, 1e-5));
    }
}
