using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>A decoded RGB photo (EXIF orientation applied) as a 1 x 3 x H x W float tensor of pixel values in [0, 255].</summary>
public sealed class FaceImage : IDisposable
{
    /// <summary>Default limit on decoded pixels (64 megapixels): larger images are refused rather than decoded.</summary>
    public const long DefaultMaxPixels = 64L * 1024 * 1024;

    private FaceImage(Tensor pixels, byte[] rgb)
    {
        Pixels = pixels;
        Rgb = rgb;
    }

    public int Width => (int)Pixels.shape[3];

    public int Height => (int)Pixels.shape[2];

    /// <summary>1 x 3 x H x W float32, values in [0, 255].</summary>
    public Tensor Pixels { get; }

    /// <summary>The decoded pixels, row-major interleaved RGB (H x W x 3).</summary>
    public byte[] Rgb { get; }

    /// <summary>Reads and decodes an image file. Throws <see cref="FaceImageException"/> when it is missing, corrupt or too large.</summary>
    public static FaceImage Load(string path, long maxPixels = DefaultMaxPixels, Device? device = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FaceImageException($"Cannot read image '{path}': {ex.Message}", ex);
        }

        return Decode(bytes, path, maxPixels, device);
    }

    /// <summary>Decodes encoded image bytes (JPEG, PNG, BMP, GIF, TGA, WebP as ImageSharp 2 reads them).</summary>
    public static FaceImage Decode(byte[] bytes, string name = "image", long maxPixels = DefaultMaxPixels, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            var info = Image.Identify(bytes);
            if (info is null)
            {
                throw new FaceImageException($"'{name}' is not a recognised image format ({bytes.Length} bytes).");
            }

            if ((long)info.Width * info.Height > maxPixels || info.Width <= 0 || info.Height <= 0)
            {
                throw new FaceImageException($"'{name}' is {info.Width} x {info.Height} pixels; the limit is {maxPixels} pixels ({maxPixels / 1_000_000.0:0.#} MP).");
            }

            using var image = Image.Load<Rgb24>(bytes);
            image.Mutate(x => x.AutoOrient());
            return FromImage(image, device);
        }
        catch (ImageFormatException ex)
        {
            throw new FaceImageException($"'{name}' is corrupt or not a supported image: {ex.Message}", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new FaceImageException($"'{name}' uses an unsupported image encoding: {ex.Message}", ex);
        }
    }

    /// <summary>Wraps an ImageSharp image (already oriented).</summary>
    public static FaceImage FromImage(Image<Rgb24> image, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var rgb = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Rgb24>(rgb.AsSpan()));
        return FromRgb(rgb, image.Width, image.Height, device);
    }

    /// <summary>Wraps interleaved RGB bytes (H x W x 3).</summary>
    public static FaceImage FromRgb(byte[] rgb, int width, int height, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Length != width * height * 3)
        {
            throw new ArgumentException($"Expected {width * height * 3} RGB bytes for {width} x {height}, got {rgb.Length}.", nameof(rgb));
        }

        using var scope = torch.NewDisposeScope();
        var t = torch.tensor(rgb, new long[] { height, width, 3 }).to(device ?? CPU)
            .permute(2, 0, 1).unsqueeze(0).to_type(ScalarType.Float32).contiguous();
        return new FaceImage(t.MoveToOuterDisposeScope(), rgb);
    }

    public void Dispose() => Pixels.Dispose();
}
