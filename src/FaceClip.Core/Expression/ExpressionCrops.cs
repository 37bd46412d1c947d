using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>The expression net's input as face-api builds it, differentiably: the padded landmark box, zero-padded to a
/// square (centred) and resized to 112.</summary>
public static class ExpressionCrops
{
    /// <summary>Crops [K, 3, 112, 112] in [0, 1] from images [K, 3, H, W], one box per image.</summary>
    public static Tensor Extract(Tensor images01, IReadOnlyList<FaceBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(images01);
        ArgumentNullException.ThrowIfNull(boxes);
        using var scope = NewDisposeScope();
        var size = FaceExpressionNet.InputSize;
        var crops = new List<Tensor>();
        for (var k = 0; k < boxes.Count; k++)
        {
            var b = boxes[k];
            var side = Math.Max(b.Width, b.Height);
            var square = new FaceBox(b.X + (b.Width / 2) - (side / 2), b.Y + (b.Height / 2) - (side / 2), side, side);
            var crop = FaceCrop.CropResize(images01.narrow(0, k, 1), square, size);

            // face-api pads the short side with zeros rather than taking more of the image.
            var coordinates = (arange(size, dtype: images01.dtype, device: images01.device) + 0.5) / size;
            var inX = coordinates.ge((b.X - square.X) / side).logical_and(coordinates.le((b.X + b.Width - square.X) / side));
            var inY = coordinates.ge((b.Y - square.Y) / side).logical_and(coordinates.le((b.Y + b.Height - square.Y) / side));
            var mask = inY.view(-1, 1).logical_and(inX.view(1, -1)).to(images01.dtype);
            crops.Add(crop * mask);
        }

        return cat(crops, 0).MoveToOuterDisposeScope();
    }
}
