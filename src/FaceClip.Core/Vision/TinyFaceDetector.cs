using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// face-api's tiny face detector (a Tiny-YOLOv2 with separable convolutions, 5 anchors, one class) as a TorchSharp module:
/// <see cref="forward"/> maps B x 3 x S x S pixels in [0, 255] (S a multiple of 32, default 416) to the raw B x 25 x S/32 x S/32
/// grid; <see cref="Detect"/> does face-api's whole <c>tinyFaceDetector.locateFaces</c> (pad bottom/right, legacy resize,
/// decode, score threshold, NMS at IoU 0.4).
/// </summary>
public sealed class TinyFaceDetector : nn.Module<Tensor, Tensor>
{
    public const int DefaultInputSize = 416;
    private const double IouThreshold = 0.4;
    private static readonly float[] MeanRgb = { 117.001f, 114.697f, 97.404f };
    private static readonly (double W, double H)[] Anchors =
    {
        (1.603231, 2.094468), (6.041143, 7.080126), (2.882459, 3.518061), (4.266906, 5.178857), (9.041765, 10.66308),
    };

    private readonly SameConv2d conv0;
    private readonly TorchSharp.Modules.ModuleList<SameConv2d> separable = new();
    private readonly SameConv2d conv8;
    private readonly Tensor mean;

    public TinyFaceDetector(TfjsWeightMap w)
        : base(nameof(TinyFaceDetector))
    {
        conv0 = new SameConv2d("conv0", TfOps.ConvFilter(w, "conv0/filters"), w.Tensor("conv0/bias"), 1, same: false);
        for (var i = 1; i <= 5; i++)
        {
            var dw = TfOps.DepthwiseFilter(w, $"conv{i}/depthwise_filter");
            // face-api pads by one on every side and convolves 'valid': symmetric, i.e. 'SAME' at stride 1.
            separable.Add(new SameConv2d($"conv{i}_dw", dw, null, 1, groups: dw.shape[0]));
            separable.Add(new SameConv2d($"conv{i}_pw", TfOps.ConvFilter(w, $"conv{i}/pointwise_filter"), w.Tensor($"conv{i}/bias"), 1));
        }

        conv8 = new SameConv2d("conv8", TfOps.ConvFilter(w, "conv8/filters"), w.Tensor("conv8/bias"), 1, same: false);
        mean = torch.tensor(MeanRgb).view(1, 3, 1, 1);
        RegisterComponents();
    }

    public double ScoreThreshold { get; init; } = 0.5;

    public override Tensor forward(Tensor pixels)
    {
        var x = (pixels - mean) / 255;
        x = Leaky(conv0.forward(x));
        for (var i = 0; i < 5; i++)
        {
            x = nn.functional.max_pool2d(x, 2, 2, ceil_mode: true); // TF 'SAME' max pool: odd sizes get a -inf column/row
            x = Leaky(separable[(2 * i) + 1].forward(separable[2 * i].forward(x)));
        }

        x = nn.functional.pad(x, new long[] { 0, 1, 0, 1 }, PaddingModes.Constant, double.NegativeInfinity);
        x = nn.functional.max_pool2d(x, 2, 1);
        return conv8.forward(x);
    }

    /// <summary>Faces in image pixels, highest score first.</summary>
    public IReadOnlyList<FaceDetection> Detect(FaceImage image, int inputSize = DefaultInputSize)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (inputSize <= 0 || inputSize % 32 != 0)
        {
            throw new ArgumentException($"The tiny detector's input size must be a positive multiple of 32, not {inputSize}.", nameof(inputSize));
        }

        float[] grid;
        long cells;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        {
            var pixels = image.Pixels.to(FaceNets.DeviceOf(this));
            var side = Math.Max(image.Width, image.Height);
            var output = forward(TfOps.ResizeBilinearLegacy(pixels, inputSize, inputSize, side, side));
            cells = output.shape[2];
            grid = output[0].permute(1, 2, 0).contiguous().cpu().data<float>().ToArray(); // rows x cols x (5 anchors x 5)
        }

        var scale = (double)inputSize / Math.Max(image.Width, image.Height);
        var corrX = inputSize / FaceDetector.JsRound(image.Width * scale);
        var corrY = inputSize / FaceDetector.JsRound(image.Height * scale);
        var boxes = new List<(FaceBox Relative, double Score)>();
        for (var row = 0; row < cells; row++)
        {
            for (var col = 0; col < cells; col++)
            {
                for (var a = 0; a < Anchors.Length; a++)
                {
                    var o = (int)((((row * cells) + col) * 25) + (a * 5));
                    var score = Sigmoid(grid[o + 4]);
                    if (score <= ScoreThreshold)
                    {
                        continue;
                    }

                    var cx = (col + Sigmoid(grid[o])) / cells * corrX;
                    var cy = (row + Sigmoid(grid[o + 1])) / cells * corrY;
                    var w = Math.Exp(grid[o + 2]) * Anchors[a].W / cells * corrX;
                    var h = Math.Exp(grid[o + 3]) * Anchors[a].H / cells * corrY;
                    boxes.Add((new FaceBox(cx - (w / 2), cy - (h / 2), w, h), score));
                }
            }
        }

        var result = new List<FaceDetection>();
        var remaining = boxes.OrderByDescending(b => b.Score).ToList();
        while (remaining.Count > 0)
        {
            var best = remaining[0];
            result.Add(new FaceDetection(
                new FaceBox(best.Relative.X * image.Width, best.Relative.Y * image.Height, best.Relative.Width * image.Width, best.Relative.Height * image.Height),
                (float)best.Score));
            remaining = remaining.Skip(1).Where(b => b.Relative.IoU(best.Relative) <= IouThreshold).ToList();
        }

        return result;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static Tensor Leaky(Tensor x) => nn.functional.leaky_relu(x, 0.10000000149011612);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv0.Dispose();
            separable.Dispose();
            conv8.Dispose();
            mean.Dispose();
        }

        base.Dispose(disposing);
    }
}
