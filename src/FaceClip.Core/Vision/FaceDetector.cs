using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// face-api's <c>ssdMobilenetv1.locateFaces</c>: pad the image at the bottom/right to a square, resize to 512 (TF
/// legacy bilinear), run <see cref="SsdMobileNetV1"/>, keep scores above <see cref="MinConfidence"/>, greedy NMS at
/// IoU 0.5, and map boxes back to image pixels — then, when that pass found no face at a size the network was trained
/// for, a second, finer pass (<see cref="FinePass"/>).
/// </summary>
/// <remarks>
/// The network's smallest anchors are 0.1 of its input (51.2 pixels); SSD training pairs a face with an anchor when
/// their IoU is at least 0.5, so faces under 51.2 / √2 ≈ 36 input pixels (<see cref="ReliableFaceSize"/>) had no
/// anchor of their own and are found by luck. The one-pass detector shrinks a photo to 512 pixels on its long side:
/// a 90-pixel face in a 1024-pixel portrait becomes a 45-pixel face, a 40-pixel face in a 640-pixel snapshot 32.
/// The fine pass looks again at the resolution where a face of <see cref="SmallestFace"/> pixels appears at the
/// smallest anchor's size: overlapping 512-pixel windows over the photo resampled to that scale and, for photos so
/// large that smaller scales would be needed in between, over a pyramid of halved scales (each level finds faces up
/// to 128 of its pixels, the windows' overlap, and the next level takes over from twice its smallest), at most
/// <see cref="MaxFineWindows"/> windows. Detections cut by a window's inner edge are dropped (the face lies whole in
/// the neighbouring window), and both passes' faces go through one NMS. It runs only when the first pass left no
/// face of reliable size, so photos whose faces the first pass finds keep face-api's result exactly.
/// </remarks>
public sealed class FaceDetector
{
    /// <summary>The smallest face (shorter box side, pixels of the network input) the network had an anchor for in
    /// training: its smallest anchor, 0.1 of the input, over √2 (the IoU-0.5 matching rule).</summary>
    public static readonly double ReliableFaceSize = 0.1 * SsdMobileNetV1.InputSize / Math.Sqrt(2);

    private const double IouThreshold = 0.5;

    /// <summary>The overlap of neighbouring fine-pass windows (network input pixels): a face up to this size lies
    /// whole in at least one window.</summary>
    private const int WindowOverlap = 128;

    /// <summary>Windows of the fine pass run through the network this many at a time.</summary>
    private const int WindowBatch = 4;

    public FaceDetector(SsdMobileNetV1 net)
    {
        Net = net;
    }

    public SsdMobileNetV1 Net { get; }

    public double MinConfidence { get; init; } = 0.5;

    public int MaxResults { get; init; } = 100;

    /// <summary>Whether to look again at a finer scale when the first pass found no face of
    /// <see cref="ReliableFaceSize"/> (false: face-api's single pass exactly).</summary>
    public bool FinePass { get; init; } = true;

    /// <summary>The smallest face (shorter side of its box, image pixels) the fine pass is built to find: it shows the
    /// photo at the scale where such a face is as large as the network's smallest anchor.</summary>
    public double SmallestFace { get; init; } = 40;

    /// <summary>Most windows the fine pass runs; on photos that would need more, the finest scales are left out and
    /// the smallest face it finds is larger than <see cref="SmallestFace"/>.</summary>
    public int MaxFineWindows { get; init; } = 48;

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
        var result = selected.Select(i => new FaceDetection(ToImageBox(boxes, i, image.Width, image.Height), scores[i])).ToList();
        var coarseScale = (double)SsdMobileNetV1.InputSize / Math.Max(image.Width, image.Height);
        if (!FinePass || result.Any(d => Math.Min(d.Box.Width, d.Box.Height) * coarseScale >= ReliableFaceSize))
        {
            return result;
        }

        var fine = FineDetections(image, coarseScale);
        if (fine.Count == 0)
        {
            return result;
        }

        return Merge(result.Concat(fine).ToList(), MaxResults);
    }

    /// <summary>The fine pass's scales (network pixels per image pixel), finest first: the smallest anchor's size over
    /// <see cref="SmallestFace"/>, then halved until a level's largest face (<see cref="WindowOverlap"/> of its pixels)
    /// reaches the first pass's smallest reliable one; only scales finer than the first pass's.</summary>
    public IReadOnlyList<double> FineScales(int width, int height)
    {
        var coarse = (double)SsdMobileNetV1.InputSize / Math.Max(width, height);
        var finest = ReliableFaceSize * Math.Sqrt(2) / SmallestFace; // the smallest face at the smallest anchor's size
        var levels = new List<double>();
        for (var s = finest; s > coarse; s /= 2)
        {
            levels.Add(s);
            if (WindowOverlap / s >= ReliableFaceSize / coarse)
            {
                break;
            }
        }

        // Within the window budget, keep the coarsest levels (they find the larger of the small faces).
        while (levels.Count > 0 && levels.Sum(s => Windows(width, s).Count * Windows(height, s).Count) > MaxFineWindows)
        {
            levels.RemoveAt(0);
        }

        return levels;
    }

    private List<FaceDetection> FineDetections(FaceImage image, double coarseScale)
    {
        var candidates = new List<FaceDetection>();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var pixels = image.Pixels.to(FaceNets.DeviceOf(Net));
        foreach (var scale in FineScales(image.Width, image.Height))
        {
            var xs = Windows(image.Width, scale);
            var ys = Windows(image.Height, scale);
            var windows = ys.SelectMany(y => xs.Select(x => (X: x.Start, Y: y.Start, W: x.Length, H: y.Length))).ToList();
            foreach (var chunk in windows.Chunk(WindowBatch))
            {
                using var inner = torch.NewDisposeScope();
                var crops = chunk.Select(w => pixels[.., .., TensorIndex.Slice(w.Y, w.Y + w.H), TensorIndex.Slice(w.X, w.X + w.W)]).ToArray();
                var (b, s) = Net.forward(Preprocess(torch.cat(crops, 0)));
                var allBoxes = b.cpu().data<float>().ToArray();
                var allScores = s.cpu().data<float>().ToArray();
                var anchors = (int)s.shape[1];
                for (var k = 0; k < chunk.Length; k++)
                {
                    var w = chunk[k];
                    var boxes = allBoxes.AsSpan(k * anchors * 4, anchors * 4).ToArray();
                    var scores = allScores.AsSpan(k * anchors, anchors).ToArray();
                    foreach (var i in NonMaxSuppression(boxes, scores, MaxResults, IouThreshold, MinConfidence))
                    {
                        var box = ToImageBox(boxes, i, w.W, w.H);
                        if (CutByInnerEdge(box, w, image.Width, image.Height))
                        {
                            continue;
                        }

                        candidates.Add(new FaceDetection(box with { X = box.X + w.X, Y = box.Y + w.Y }, scores[i]));
                    }
                }
            }
        }

        return candidates;
    }

    /// <summary>Window starts and lengths (image pixels) along one side at <paramref name="scale"/>: windows of 512
    /// network pixels, overlapping by at least <see cref="WindowOverlap"/>, spread evenly from edge to edge.</summary>
    private static List<(int Start, int Length)> Windows(int length, double scale)
    {
        var window = (int)Math.Round(SsdMobileNetV1.InputSize / scale);
        if (window >= length)
        {
            return [(0, length)];
        }

        var stride = (SsdMobileNetV1.InputSize - WindowOverlap) / scale;
        var count = (int)Math.Ceiling((length - window) / stride) + 1;
        return Enumerable.Range(0, count).Select(i => ((int)Math.Round(i * (length - window) / (double)(count - 1)), window)).ToList();
    }

    /// <summary>Whether a window's detection touches one of the window's edges inside the photo (the face may go on
    /// beyond it; the overlapping window holds it whole).</summary>
    private static bool CutByInnerEdge(FaceBox box, (int X, int Y, int W, int H) window, int width, int height)
    {
        var margin = 0.01 * Math.Max(window.W, window.H);
        return (window.X > 0 && box.X <= margin) || (window.Y > 0 && box.Y <= margin) ||
               (window.X + window.W < width && box.Right >= window.W - margin) ||
               (window.Y + window.H < height && box.Bottom >= window.H - margin);
    }

    /// <summary>Greedy NMS over both passes' detections in image pixels, highest score first: a detection is dropped
    /// when it overlaps a kept one by IoU over 0.5, or when half of the smaller box lies inside the other (one face
    /// seen at two scales gives boxes of different sizes, whose IoU can stay under 0.5).</summary>
    private static List<FaceDetection> Merge(List<FaceDetection> detections, int maxResults)
    {
        static bool Same(FaceBox a, FaceBox b)
        {
            var w = Math.Min(a.Right, b.Right) - Math.Max(a.X, b.X);
            var h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Y, b.Y);
            var inner = w > 0 && h > 0 ? w * h : 0;
            return a.IoU(b) > IouThreshold || inner > 0.5 * Math.Min(a.Area, b.Area);
        }

        var kept = new List<FaceDetection>();
        foreach (var d in detections.OrderByDescending(d => d.Score))
        {
            if (kept.Count < maxResults && !kept.Any(k => Same(k.Box, d.Box)))
            {
                kept.Add(d);
            }
        }

        return kept;
    }

    /// <summary>face-api's mapping of a network box (top, left, bottom, right relative to the padded square) into the
    /// pixels of the <paramref name="width"/> x <paramref name="height"/> image it was run on, clipped to it.</summary>
    private static FaceBox ToImageBox(float[] boxes, int i, int width, int height)
    {
        const double inputSize = SsdMobileNetV1.InputSize;
        var scale = inputSize / Math.Max(width, height);
        var padX = inputSize / JsRound(width * scale);
        var padY = inputSize / JsRound(height * scale);
        var top = Math.Max(0, (double)boxes[(4 * i) + 0]) * padY;
        var bottom = Math.Min(1.0, (double)boxes[(4 * i) + 2]) * padY;
        var left = Math.Max(0, (double)boxes[(4 * i) + 1]) * padX;
        var right = Math.Min(1.0, (double)boxes[(4 * i) + 3]) * padX;
        return new FaceBox(left * width, top * height, (right - left) * width, (bottom - top) * height);
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
