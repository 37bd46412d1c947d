using System.IO.Compression;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Tests.Vision;

[Collection(FacePipelineCollection.Name)]
public sealed class FaceImageTests
{
    private readonly FacePipelineFixture _fx;

    public FaceImageTests(FacePipelineFixture fx) => _fx = fx;

    [Fact]
    public void AnImageWithoutAFaceGivesAnEmptyResult()
    {
        using var img = new Image<Rgb24>(640, 480);
        for (var y = 0; y < 480; y++)
        {
            for (var x = 0; x < 640; x++)
            {
                img[x, y] = new Rgb24((byte)(x / 3), (byte)(y / 2), 90);
            }
        }

        using var image = FaceImage.FromImage(img);
        var result = _fx.Pipeline.Analyse(image);
        Assert.Equal((640, 480), (result.Width, result.Height));
        Assert.Empty(result.Faces);
    }

    [Fact]
    public void CorruptBytesGiveATypedErrorNamingTheFile()
    {
        var ex = Assert.Throws<FaceImageException>(() => FaceImage.Decode(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, "junk.jpg"));
        Assert.Contains("junk.jpg", ex.Message);
        var jpeg = File.ReadAllBytes(Path.Combine(TestPaths.SamplePhotos, "sample1.jpg"));
        var broken = jpeg.Take(600).ToArray();
        Assert.Throws<FaceImageException>(() => FaceImage.Decode(broken, "cut.jpg"));
        Assert.Throws<FaceImageException>(() => FaceImage.Load(Path.Combine(Path.GetTempPath(), "does-not-exist-" + Guid.NewGuid() + ".jpg")));
    }

    [Fact]
    public void AnOversizedImageIsRefusedFromItsHeaderWithoutDecoding()
    {
        var ex = Assert.Throws<FaceImageException>(() => FaceImage.Decode(PngHeader(100_000, 100_000), "huge.png"));
        Assert.Contains("100000 x 100000", ex.Message);
        Assert.Contains("limit", ex.Message);
        var jpeg = File.ReadAllBytes(Path.Combine(TestPaths.SamplePhotos, "sample1.jpg"));
        Assert.Throws<FaceImageException>(() => FaceImage.Decode(jpeg, "sample1.jpg", maxPixels: 1_000_000));
    }

    [Fact]
    public void ExifOrientationIsHonoured()
    {
        using var img = new Image<Rgb24>(40, 20);
        img[0, 0] = new Rgb24(255, 0, 0); // top-left red
        img.Metadata.ExifProfile = new ExifProfile();
        img.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)6); // rotate 90 clockwise to display
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        using var image = FaceImage.Decode(ms.ToArray(), "rotated.png");
        Assert.Equal((20, 40), (image.Width, image.Height));
        // after a 90 degree clockwise turn the stored top-left pixel is at the top-right
        Assert.Equal(255, image.Rgb[((0 * 20) + 19) * 3]);
    }

    private static byte[] PngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        WriteBe(ihdr, 0, width);
        WriteBe(ihdr, 4, height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        using var ms = new MemoryStream();
        ms.Write(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 });
        WriteChunk(ms, "IHDR", ihdr);
        using (var z = new MemoryStream())
        {
            using (var zs = new ZLibStream(z, CompressionLevel.Fastest, leaveOpen: true))
            {
                zs.Write(new byte[16]);
            }

            WriteChunk(ms, "IDAT", z.ToArray());
        }

        WriteChunk(ms, "IEND", Array.Empty<byte>());
        return ms.ToArray();
    }

    private static void WriteChunk(Stream s, string type, byte[] data)
    {
        var len = new byte[4];
        WriteBe(len, 0, data.Length);
        s.Write(len);
        var body = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(body);
        var crc = new byte[4];
        WriteBe(crc, 0, (int)Crc32(body));
        s.Write(crc);
    }

    private static void WriteBe(byte[] b, int o, int v)
    {
        b[o] = (byte)(v >> 24);
        b[o + 1] = (byte)(v >> 16);
        b[o + 2] = (byte)(v >> 8);
        b[o + 3] = (byte)v;
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var d in data)
        {
            crc ^= d;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
