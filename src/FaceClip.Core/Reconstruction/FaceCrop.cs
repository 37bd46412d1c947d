using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// The square crop of the photo the fit works on: centred on the 68 landmarks, its side a fixed multiple of their
/// extent, resampled to <see cref="Size"/> pixels. Crop pixels map to photo pixels by a scale and an offset (no
/// rotation: in-plane rotation is left to the pose), so the camera stays a plain pinhole on the crop.
/// </summary>
public sealed record FaceCrop(double Left, double Top, double Side, int Size)
{
    /// <summary>Photo pixels per crop pixel.</summary>
    public double Scale => Side / Size;

    public static FaceCrop Around(IReadOnlyList<(float X, float Y)> landmarks, int size, double scale)
    {
        var minX = landmarks.Min(p => p.X);
        var maxX = landmarks.Max(p => p.X);
        var minY = landmarks.Min(p => p.Y);
        var maxY = landmarks.Max(p => p.Y);
        var side = Math.Max(maxX - minX, maxY - minY) * scale;

        // The landmarks span brows to chin; shift the centre up a little so the forehead is in the crop.
        var cx = (minX + maxX) / 2.0;
        var cy = ((minY + maxY) / 2.0) - (0.06 * side);
        return new FaceCrop(cx - (side / 2), cy - (side / 2), side, size);
    }

    public (double X, double Y) ToCrop(double x, double y) => ((x - Left) / Scale, (y - Top) / Scale);

    public (double X, double Y) ToPhoto(double x, double y) => ((x * Scale) + Left, (y * Scale) + Top);

    /// <summary>Landmarks in crop pixels, [1, 68, 2].</summary>
    public Tensor LandmarksToCrop(IReadOnlyList<(float X, float Y)> landmarks, Device device)
    {
        var values = new float[landmarks.Count * 2];
        for (var i = 0; i < landmarks.Count; i++)
        {
            var (x, y) = ToCrop(landmarks[i].X, landmarks[i].Y);
            values[2 * i] = (float)x;
            values[(2 * i) + 1] = (float)y;
        }

        return tensor(values, device: device).view(1, landmarks.Count, 2);
    }

    /// <summary>Resamples the crop from photo pixels [1, 3, H, W] (0..255) to [1, 3, Size, Size] in [0, 1]
    /// (bilinear; area-averaged first when the crop shrinks the photo a lot, so it does not alias).</summary>
    public Tensor Extract(Tensor photo255)
    {
        using var scope = NewDisposeScope();
        var photo = photo255 / 255.0;
        var shrink = Scale;
        if (shrink > 2)
        {
            var factor = (int)Math.Floor(shrink);
            photo = nn.functional.avg_pool2d(photo, factor, factor, ceil_mode: true, count_include_pad: false);
            return (this with { Left = Left / factor, Top = Top / factor, Side = Side / factor }).Sample(photo).MoveToOuterDisposeScope();
        }

        return Sample(photo).MoveToOuterDisposeScope();
    }

    /// <summary>Samples a sub-box of an image batch [B, C, H, W] (box in that image's pixels) at size x size,
    /// differentiably (bilinear, zeros outside).</summary>
    public static Tensor CropResize(Tensor images, FaceBox box, int size)
    {
        var height = images.shape[2];
        var width = images.shape[3];
        var batch = images.shape[0];
        var theta = tensor(new[]
        {
            (float)(box.Width / width), 0f, (float)((((box.X + (box.Width / 2)) / width) * 2) - 1),
            0f, (float)(box.Height / height), (float)((((box.Y + (box.Height / 2)) / height) * 2) - 1),
        }, dtype: images.dtype, device: images.device).view(1, 2, 3).expand(batch, 2, 3);
        var grid = nn.functional.affine_grid(theta, [batch, images.shape[1], size, size], align_corners: false);
        return nn.functional.grid_sample(images, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
    }

    private Tensor Sample(Tensor photo01) => CropResize(photo01, new FaceBox(Left, Top, Side, Side), Size);
}
