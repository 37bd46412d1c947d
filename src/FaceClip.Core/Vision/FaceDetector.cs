using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>face-api's <c>ssdMobilenetv1.locateFaces</c>: pad the image at the bottom/right to a square, resize to 512
/// (TF legacy bilinear), run <see cref="SsdMobileNetV1"/>, keep scores above <see cref="MinConfidence"/>, greedy NMS at IoU 0.5,
/// and map boxes back to image pixels.</summary>
public sealed class FaceDetector
{
    private const double IouThreshold = 0.5;

    public FaceDetector(SsdMobileNetV1 net)
    {
        Net = net;
    }

    public SsdMobileNetV1 Net { get; }

    public double MinConfidence { get; init; } = 0.5;

    public int MaxResults { get; init; } = 100;

    /// <summary>The 1 x 3 x 512 x 512 network input for a 1 x 3 x H x W image in [0, 255].</summary>
    public static Tensor Preprocess(Tensor pixels)
    {
        var h = pixels.shape[2];
        var w = pixels.shape[3];
        var side = Math.Max(h, w);
        return TfOps.ResizeBilinearLegacy(pixels, SsdMobileNetV1.InputSize, SsdMobileNetV1.InputSize, side, side);
    }

    public IReadOnlyList<FaceDetection> Detect(FaceImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        float[] boxes;
        float[] scores;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var pixels = image.Pixels.to(FaceNets.DeviceOf(Net));
            var (b, s) = Net.forward(Preprocess(pixels));
            boxes = b[0].cpu().data<float>().ToArray();
            scores = s[0].cpu().data<float>().ToArray();
        }

        var selected = NonMaxSuppression(boxes, scores, MaxResults, IouThreshold, MinConfidence);
        const double inputSize = SsdMobileNetV1.InputSize;
        var scale = inputSize / Math.Max(image.Width, image.Height);
        var padX = inputSize / JsRound(image.Width * scale);
        var padY = inputSize / JsRound(image.Height * scale);
        var result = new List<FaceDetection>(selected.Count);
        foreach (var i in selected)
        {
            var top = Math.Max(0, (double)boxes[(4 * i) + 0]) * padY;
            var bottom = Math.Min(1.0, (double)boxes[(4 * i) + 2]) * padY;
            var left = Math.Max(0, (double)boxes[(4 * i) + 1]) * padX;
            var right = Math.Min(1.0, (double)boxes[(4 * i) + 3]) * padX;
            result.Add(new FaceDetection(
                new FaceBox(left * image.Width, top * image.Height, (right - left) * image.Width, (bottom - top) * image.Height),
                scores[i]));
        }

        return result;
    }

    /// <summary>JavaScript Math.round (halves round up).</summary>
    internal static double JsRound(double v) => Math.Floor(v + 0.5);

    /// <summary>face-api's greedy NMS over (top, left, bottom, right) boxes, highest score first.</summary>
    internal static List<int> NonMaxSuppression(float[] boxes, float[] scores, int maxOutput, double iouThreshold, double scoreThreshold)
    {
        var outputSize = Math.Min(maxOutput, scores.Length);
        var candidates = Enumerable.Range(0, scores.Length)
            .Where(i => scores[i] > scoreThreshold)
            .OrderByDescending(i => scores[i])
            .ToList();
        var selected = new List<int>();
        foreach (var c in candidates)
        {
            if (selected.Count >= outputSize)
            {
                break;
            }

            var suppressed = false;
            for (var j = selected.Count - 1; j >= 0; j--)
            {
                if (Iou(boxes, c, selected[j]) > iouThreshold)
                {
                    suppressed = true;
                    break;
                }
            }

            if (!suppressed)
            {
                selected.Add(c);
            }
        }

        return selected;
    }

    private static double Iou(float[] b, int i, int j)
    {
        double YMin(int k) => Math.Min(b[4 * k], b[(4 * k) + 2]);
        double XMin(int k) => Math.Min(b[(4 * k) + 1], b[(4 * k) + 3]);
        double YMax(int k) => Math.Max(b[4 * k], b[(4 * k) + 2]);
        double XMax(int k) => Math.Max(b[(4 * k) + 1], b[(4 * k) + 3]);
        var areaI = (YMax(i) - YMin(i)) * (XMax(i) - XMin(i));
        var areaJ = (YMax(j) - YMin(j)) * (XMax(j) - XMin(j));
        if (areaI <= 0 || areaJ <= 0)
        {
            return 0;
        }

        var ih = Math.Max(Math.Min(YMax(i), YMax(j)) - Math.Max(YMin(i), YMin(j)), 0);
        var iw = Math.Max(Math.Min(XMax(i), XMax(j)) - Math.Max(XMin(i), XMin(j)), 0);
        var inter = ih * iw;
        return inter / (areaI + areaJ - inter);
    }
}
