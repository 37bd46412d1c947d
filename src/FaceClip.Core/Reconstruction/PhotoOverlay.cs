using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>Blends a render of the crop back over the original photo (photos larger than
/// <paramref name="maxSide"/> are scaled down first).</summary>
public static class PhotoOverlay
{
    public static Tensor Blend(Tensor photo255, Tensor render01, Tensor mask, FaceCrop crop, double alpha = 0.8, int maxSide = 2048)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var photo = photo255 / 255;
        var height = photo.shape[2];
        var width = photo.shape[3];
        var factor = Math.Min(1.0, maxSide / (double)Math.Max(width, height));
        if (factor < 1)
        {
            height = (long)Math.Round(height * factor);
            width = (long)Math.Round(width * factor);
            photo = nn.functional.interpolate(photo, [height, width], mode: InterpolationMode.Area);
        }

        var device = photo.device;
        var xs = (arange(width, dtype: float32, device: device) + 0.5) / factor;
        var ys = (arange(height, dtype: float32, device: device) + 0.5) / factor;
        var gx = (((xs - crop.Left) / crop.Side) * 2) - 1;
        var gy = (((ys - crop.Top) / crop.Side) * 2) - 1;
        var grid = stack([gx.view(1, -1).expand(height, width), gy.view(-1, 1).expand(height, width)], 2).unsqueeze(0);
        var rgba = cat([render01, mask], 1);
        var sampled = nn.functional.grid_sample(rgba, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
        var a = sampled.narrow(1, 3, 1) * alpha;
        return ((photo * (1 - a)) + (sampled.narrow(1, 0, 3) * a)).clamp(0, 1).MoveToOuterDisposeScope();
    }
}
