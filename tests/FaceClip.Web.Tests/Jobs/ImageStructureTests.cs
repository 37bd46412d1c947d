using FaceClip.Web.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>A whole image passes; any image cut short, anywhere, does not.</summary>
public sealed class ImageStructureTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TheSamplePhotosAreWhole(int sample)
    {
        Assert.Null(ImageStructure.Problem(File.ReadAllBytes(TestSupport.SharedAssets.SamplePhoto(sample)), "JPEG"));
    }

    [Fact]
    public void EveryPrefixOfAJpegIsRefusedAndTheWholeFileWithTrailingDataPasses()
    {
        var jpeg = JobHost.Jpeg(40, 30);
        Assert.Null(ImageStructure.Problem(jpeg, "JPEG"));
        Assert.Null(ImageStructure.Problem([.. jpeg, 0x00, 0x00, 0x12, 0x34], "JPEG"));
        for (var length = 0; length < jpeg.Length; length++)
        {
            Assert.NotNull(ImageStructure.Problem(jpeg.AsSpan(0, length), "JPEG"));
        }
    }

    [Fact]
    public void EveryPrefixOfAPngIsRefusedAndABadCrcToo()
    {
        var png = JobHost.Png(40, 30);
        Assert.Null(ImageStructure.Problem(png, "PNG"));
        for (var length = 0; length < png.Length; length++)
        {
            Assert.NotNull(ImageStructure.Problem(png.AsSpan(0, length), "PNG"));
        }

        var flipped = png.ToArray();
        flipped[40] ^= 1;
        Assert.Contains("CRC", ImageStructure.Problem(flipped, "PNG"));
    }

    [Fact]
    public void AWebPShorterThanItsRiffHeaderSaysIsRefused()
    {
        using var image = new Image<Rgb24>(32, 24, new Rgb24(10, 200, 30));
        using var stream = new MemoryStream();
        image.SaveAsWebp(stream);
        var webp = stream.ToArray();

        Assert.Null(ImageStructure.Problem(webp, "WEBP"));
        Assert.Contains("truncated", ImageStructure.Problem(webp.AsSpan(0, webp.Length - 1), "WEBP"));
    }
}
