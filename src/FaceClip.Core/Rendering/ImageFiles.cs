using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>Writes rendered tensors as PNG pictures (ImageSharp).</summary>
public static class ImageFiles
{
    /// <summary>Saves a [3, H, W] image with values in [0, 1] (clamped) as an RGB PNG; where
    /// <paramref name="mask"/> [1, H, W] is zero the <paramref name="background"/> grey shows.</summary>
    public static void SavePng(Tensor image, string path, Tensor? mask = null, float background = 1f)
    {
        using var image32 = ToRgbImage(image, mask, background);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        image32.SaveAsPng(path);
    }

    /// <summary>Converts a [3, H, W] tensor in [0, 1] to an ImageSharp image.</summary>
    public static Image<Rgb24> ToRgbImage(Tensor image, Tensor? mask = null, float background = 1f)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var height = (int)image.shape[1];
        var width = (int)image.shape[2];
        var rgb = image.detach().to(ScalarType.Float32, CPU).clamp(0, 1);
        if (mask is not null)
        {
            var m = mask.detach().to(ScalarType.Float32, CPU);
            rgb = rgb * m + (1 - m) * background;
        }

        // One rounding and byte conversion for the whole image on the tensor's side, then one copy into the image.
        var bytes = (rgb * 255).round_().to(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        var result = Image.LoadPixelData<Rgb24>(bytes, width, height);
        return result;
    }

    /// <summary>Lays images out left to right, top to bottom, in a grid of <paramref name="columns"/>.</summary>
    public static void SaveGrid(IReadOnlyList<Image<Rgb24>> images, int columns, string path)
    {
        ArgumentNullException.ThrowIfNull(images);
        var w = images[0].Width;
        var h = images[0].Height;
        var rows = (images.Count + columns - 1) / columns;
        using var sheet = new Image<Rgb24>(w * columns, h * rows, new Rgb24(255, 255, 255));
        for (var i = 0; i < images.Count; i++)
        {
            var (ox, oy) = (i % columns * w, i / columns * h);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    sheet[ox + x, oy + y] = images[i][x, y];
                }
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        sheet.SaveAsPng(path);
    }
}
