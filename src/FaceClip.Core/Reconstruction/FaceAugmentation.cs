using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>Training augmentation of face crops and their landmarks: a horizontal flip (landmarks mirrored and
/// re-indexed so left stays left), a small zoom and shift (the same affine map on pixels and landmarks) and colour
/// jitter (per-channel gain and a contrast change).</summary>
public sealed record FaceAugmentation(double FlipProbability = 0.5, double Zoom = 0.05, double Shift = 0.03, double Colour = 0.1)
{
    public static FaceAugmentation None { get; } = new(0, 0, 0, 0);

    /// <summary>The index of each landmark's mirror image in the 68-point (iBUG) scheme.</summary>
    public static int[] FlipPermutation { get; } = BuildFlip();

    /// <summary>Augments crops [B, 3, S, S] in [0, 1] and landmarks [B, 68, 2] (crop pixels); returns new tensors.</summary>
    public (Tensor Images, Tensor Landmarks) Apply(Tensor images, Tensor landmarks, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var batch = (int)images.shape[0];
        var size = images.shape[3];
        var device = images.device;
        var outImages = new Tensor[batch];
        var outPoints = new Tensor[batch];
        using var flipIndex = tensor(FlipPermutation.Select(i => (long)i).ToArray(), device: device);
        for (var b = 0; b < batch; b++)
        {
            var image = images.narrow(0, b, 1);
            var points = landmarks.narrow(0, b, 1);
            if (random.NextDouble() < FlipProbability)
            {
                image = image.flip(3);
                var mirrored = points.index_select(1, flipIndex);
                points = stack([size - mirrored.select(2, 0), mirrored.select(2, 1)], 2);
            }

            var zoom = 1 + (((random.NextDouble() * 2) - 1) * Zoom);
            var dx = ((random.NextDouble() * 2) - 1) * Shift * size;
            var dy = ((random.NextDouble() * 2) - 1) * Shift * size;
            if (zoom != 1 || dx != 0 || dy != 0)
            {
                var theta = tensor(new[]
                {
                    (float)(1 / zoom), 0f, (float)(-2 * dx / (size * zoom)),
                    0f, (float)(1 / zoom), (float)(-2 * dy / (size * zoom)),
                }, device: device).view(1, 2, 3);
                var grid = nn.functional.affine_grid(theta, [1, 3, size, size], align_corners: false);
                image = nn.functional.grid_sample(image, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false);
                using var shift = tensor(new[] { (float)dx, (float)dy }, device: device).view(1, 1, 2);
                points = ((points - (size / 2.0)) * zoom) + (size / 2.0) + shift;
            }

            if (Colour > 0)
            {
                var gains = tensor(Enumerable.Range(0, 3).Select(_ => (float)(1 + (((random.NextDouble() * 2) - 1) * Colour))).ToArray(), device: device).view(1, 3, 1, 1);
                var contrast = 1 + (((random.NextDouble() * 2) - 1) * Colour);
                var mean = image.mean([1, 2, 3], keepdim: true);
                image = ((((image - mean) * contrast) + mean) * gains).clamp(0, 1);
            }

            outImages[b] = image;
            outPoints[b] = points;
        }

        return (cat(outImages, 0), cat(outPoints, 0));
    }

    private static int[] BuildFlip()
    {
        var map = Enumerable.Range(0, 68).ToArray();
        void Pair(int a, int b)
        {
            map[a] = b;
            map[b] = a;
        }

        for (var i = 0; i < 8; i++)
        {
            Pair(i, 16 - i); // jaw
        }

        for (var i = 0; i < 5; i++)
        {
            Pair(17 + i, 26 - i); // brows
        }

        Pair(31, 35);
        Pair(32, 34); // nostrils
        Pair(36, 45);
        Pair(37, 44);
        Pair(38, 43);
        Pair(39, 42);
        Pair(40, 47);
        Pair(41, 46); // eyes
        Pair(48, 54);
        Pair(49, 53);
        Pair(50, 52);
        Pair(55, 59);
        Pair(56, 58); // outer lips
        Pair(60, 64);
        Pair(61, 63);
        Pair(65, 67); // inner lips
        return map;
    }
}
