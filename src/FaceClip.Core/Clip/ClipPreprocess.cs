using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>CLIP's image preprocessing, as differentiable tensor operations.</summary>
public static class ClipPreprocess
{
    /// <summary>CLIP's per-channel mean (RGB).</summary>
    public static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];

    /// <summary>CLIP's per-channel standard deviation (RGB).</summary>
    public static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    /// <summary>(x - mean) / std per channel of [N, 3, H, W] images in [0, 1].</summary>
    public static Tensor Normalize(Tensor images01)
    {
        using var scope = NewDisposeScope();
        var mean = tensor(Mean, dtype: images01.dtype, device: images01.device).view(1, 3, 1, 1);
        var std = tensor(Std, dtype: images01.dtype, device: images01.device).view(1, 3, 1, 1);
        return ((images01 - mean) / std).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Rendered images [N, 3, H, W] (or [3, H, W]) in [0, 1] to the tower's input: the shorter side is resized to
    /// <paramref name="resolution"/> (bicubic, antialiased when shrinking; bilinear on request), the centre square is
    /// cropped, and CLIP's mean/std applied. An image already <paramref name="resolution"/> square is not resampled.
    /// Differentiable with respect to the images.
    /// </summary>
    public static Tensor PrepareTensor(Tensor images01, int resolution, InterpolationMode mode = InterpolationMode.Bicubic)
    {
        using var scope = NewDisposeScope();
        var x = images01.dim() == 3 ? images01.unsqueeze(0) : images01;
        if (x.dim() != 4 || x.shape[1] != 3)
        {
            throw new ArgumentException($"Expected images [N, 3, H, W]; got [{string.Join(", ", images01.shape)}].", nameof(images01));
        }

        if (!x.is_floating_point())
        {
            throw new ArgumentException("Expected floating-point images in [0, 1].", nameof(images01));
        }

        x = ResizeShorterSideAndCrop(x, resolution, mode);
        return Normalize(x).MoveToOuterDisposeScope();
    }

    /// <summary>The shorter side to <paramref name="resolution"/> then the centre crop (torchvision's Resize +
    /// CenterCrop rounding), no normalisation.</summary>
    public static Tensor ResizeShorterSideAndCrop(Tensor images, int resolution, InterpolationMode mode = InterpolationMode.Bicubic)
    {
        using var scope = NewDisposeScope();
        var h = images.shape[2];
        var w = images.shape[3];
        var x = images;
        if (!(h == resolution && w == resolution))
        {
            long newH, newW;
            if (h <= w)
            {
                newH = resolution;
                newW = (long)(resolution * (double)w / h);
            }
            else
            {
                newW = resolution;
                newH = (long)(resolution * (double)h / w);
            }

            if (newH != h || newW != w)
            {
                var shrinking = newH < h || newW < w;
                x = nn.functional.interpolate(x, [newH, newW], mode: mode, align_corners: false, antialias: shrinking);
            }

            var top = (int)Math.Round((newH - resolution) / 2.0);
            var left = (int)Math.Round((newW - resolution) / 2.0);
            x = x[.., .., top..(top + resolution), left..(left + resolution)];
            if (mode == InterpolationMode.Bicubic)
            {
                x = x.clamp(0, 1); // bicubic overshoots; PIL clips to the pixel range
            }
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Reads a photo into [1, 3, H, W] float32 in [0, 1] (RGB).</summary>
    public static Tensor LoadImage01(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var w = image.Width;
        var h = image.Height;
        var data = new byte[w * h * 3];
        image.CopyPixelDataTo(data);
        using var scope = NewDisposeScope();
        var t = tensor(data, [h, w, 3], ScalarType.Byte).permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32) / 255f;
        return t.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The reference's preprocessing of a photo: shorter side bicubic (antialiased) to the resolution, centre
    /// crop, normalise. Returns [1, 3, R, R].</summary>
    public static Tensor PreparePhoto(string path, int resolution)
    {
        using var scope = NewDisposeScope();
        return PrepareTensor(LoadImage01(path), resolution).MoveToOuterDisposeScope();
    }
}
