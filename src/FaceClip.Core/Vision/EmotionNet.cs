using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// Human's emotion classifier (oarriaga's mini-Xception trained on FER-2013, as <c>@vladmandic/human</c> 3.3.6 ships
/// it: <c>models/emotion.json</c>, a TFJS graph over a 64 x 64 grayscale face) run by <see cref="TfjsGraphModel"/>. The
/// product never optimises against it: it is a second judge of the expressions the transfer makes, beside the
/// face-api net the embedded critic uses. Preprocessing is human's <c>gear/emotion.ts</c>: the face crop resized to 64 x
/// 64 (TF's bilinear resize without half-pixel centres), grayscale by rgb weights 0.2989, 0.5870, 0.1140, then
/// (g − 0.5) · 2. Its seven classes are returned in <see cref="FaceExpressions.Names"/> order.
/// </summary>
public sealed class EmotionNet : IDisposable
{
    /// <summary>The net's input side.</summary>
    public const int InputSize = 64;

    /// <summary>The classes in the net's output order.</summary>
    public static readonly string[] NetClasses = ["angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral"];

    private readonly TfjsGraphModel _graph;
    private readonly long[] _order;

    private EmotionNet(TfjsGraphModel graph)
    {
        _graph = graph;
        _order = FaceExpressions.Names.Select(n => (long)Array.IndexOf(NetClasses, n)).ToArray();
    }

    public Device Device => _graph.Device;

    public static EmotionNet Load(string modelJson, Device? device = null) => new(TfjsGraphModel.Load(modelJson, device));

    /// <summary>Loads from the model store's <c>human-emotion</c> asset (node_modules/@vladmandic/human/models).</summary>
    public static EmotionNet Load(ModelStore store, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Load(store.Require("human-emotion").PathOf("emotion.json"), device);
    }

    /// <summary>The net's own output [N, 7] (angry, disgusted, fearful, happy, sad, surprised, neutral) for face crops
    /// [N, 3, H, W] in [0, 1].</summary>
    public Tensor Raw(Tensor crops01)
    {
        ArgumentNullException.ThrowIfNull(crops01);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var resized = ResizeWithoutHalfPixel(crops01.to(Device), InputSize);
        var weights = tensor(new[] { 0.2989f, 0.5870f, 0.1140f }, device: Device).view(1, 3, 1, 1);
        var gray = (resized * weights).sum(1, keepdim: true);
        var input = (gray - 0.5) * 2; // NCHW, as the graph runtime takes its input
        return _graph.Run(input).Values.Single().MoveToOuterDisposeScope();
    }

    /// <summary>Probabilities [N, 7] in <see cref="FaceExpressions.Names"/> order for face crops [N, 3, H, W] in [0, 1].</summary>
    public Tensor Probabilities(Tensor crops01)
    {
        using var raw = Raw(crops01);
        using var order = tensor(_order, device: raw.device);
        return raw.index_select(1, order);
    }

    /// <summary>TF's legacy bilinear resize (align_corners false, half_pixel_centers false): output pixel i samples the
    /// input at i · in / out.</summary>
    internal static Tensor ResizeWithoutHalfPixel(Tensor images, int size)
    {
        using var scope = NewDisposeScope();
        var (h, w) = (images.shape[2], images.shape[3]);
        Tensor Axis(long input) => (arange(size, dtype: float32, device: images.device) * ((float)input / size)).clamp_max(input - 1);
        var ys = Axis(h);
        var xs = Axis(w);
        // grid_sample with align_corners true puts -1 and 1 on the first and last pixel centres.
        var gy = (ys / Math.Max(1, h - 1) * 2) - 1;
        var gx = (xs / Math.Max(1, w - 1) * 2) - 1;
        var grid = stack([gx.view(1, -1).expand(size, size), gy.view(-1, 1).expand(size, size)], 2).unsqueeze(0).expand(images.shape[0], -1, -1, -1);
        return nn.functional.grid_sample(images, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: true).MoveToOuterDisposeScope();
    }

    public void Dispose() => _graph.Dispose();
}
