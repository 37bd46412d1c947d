using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// face-api's SSD MobileNetV1 face detector as a TorchSharp module. Input: B x 3 x 512 x 512 RGB in pixel units [0, 255]
/// (the image padded at the bottom/right to a square and resized, see <see cref="FaceDetector"/>). Output: decoded boxes
/// B x 5118 x 4 as (top, left, bottom, right) relative to the 512 square, and face scores B x 5118 (sigmoid).
/// </summary>
public sealed class SsdMobileNetV1 : nn.Module<Tensor, (Tensor Boxes, Tensor Scores)>
{
    public const int InputSize = 512;
    private const double BatchNormEpsilon = 0.0010000000474974513;

    private readonly ModuleList<SameConv2d> backbone = new();
    private readonly ModuleList<SameConv2d> extra = new();
    private readonly ModuleList<SameConv2d> boxEncoders = new();
    private readonly ModuleList<SameConv2d> classifiers = new();
    private readonly Tensor anchors;

    public SsdMobileNetV1(TfjsWeightMap w)
        : base(nameof(SsdMobileNetV1))
    {
        // conv_0: a full 3x3 stride-2 convolution, then 13 depthwise (batch norm folded) + pointwise pairs.
        backbone.Add(Pointwise(w, "MobilenetV1/Conv2d_0_pointwise", 2));
        for (var i = 1; i <= 13; i++)
        {
            var stride = i is 2 or 4 or 6 or 12 ? 2 : 1;
            backbone.Add(Depthwise(w, $"MobilenetV1/Conv2d_{i}_depthwise", stride));
            backbone.Add(Pointwise(w, $"MobilenetV1/Conv2d_{i}_pointwise", 1));
        }

        for (var i = 0; i <= 7; i++)
        {
            extra.Add(Pointwise(w, $"Prediction/Conv2d_{i}_pointwise", i % 2 == 1 ? 2 : 1));
        }

        for (var i = 0; i <= 5; i++)
        {
            var p = $"Prediction/BoxPredictor_{i}";
            boxEncoders.Add(new SameConv2d($"box{i}", TfOps.ConvFilter(w, $"{p}/BoxEncodingPredictor/weights"), w.Tensor($"{p}/BoxEncodingPredictor/biases"), 1));
            classifiers.Add(new SameConv2d($"cls{i}", TfOps.ConvFilter(w, $"{p}/ClassPredictor/weights"), w.Tensor($"{p}/ClassPredictor/biases"), 1));
        }

        anchors = w.Tensor("Output/extra_dim").reshape(-1, 4);
        RegisterComponents();
    }

    public override (Tensor Boxes, Tensor Scores) forward(Tensor pixels)
    {
        using var scope = torch.NewDisposeScope();
        var x = (pixels / 127.5) - 1;
        x = backbone[0].forward(x).clamp_(0, 6);
        Tensor? conv11 = null;
        for (var i = 1; i <= 13; i++)
        {
            x = backbone[(2 * i) - 1].forward(x).clamp_(0, 6);
            x = backbone[2 * i].forward(x).clamp_(0, 6);
            if (i == 11)
            {
                conv11 = x;
            }
        }

        var maps = new Tensor[6];
        maps[0] = conv11!;
        maps[1] = x;
        var y = x;
        for (var i = 0; i <= 7; i++)
        {
            y = extra[i].forward(y).clamp_(0, 6);
            if (i % 2 == 1)
            {
                maps[2 + (i / 2)] = y;
            }
        }

        var batch = pixels.shape[0];
        var encodings = new Tensor[6];
        var classes = new Tensor[6];
        for (var i = 0; i < 6; i++)
        {
            // TF reshapes NHWC outputs: move channels last before flattening so anchors line up with extra_dim.
            encodings[i] = boxEncoders[i].forward(maps[i]).permute(0, 2, 3, 1).reshape(batch, -1, 4);
            classes[i] = classifiers[i].forward(maps[i]).permute(0, 2, 3, 1).reshape(batch, -1, 3);
        }

        var enc = torch.cat(encodings, 1);
        var cls = torch.cat(classes, 1);
        var a = anchors.unsqueeze(0);
        var sizeY = a[.., .., 2] - a[.., .., 0];
        var sizeX = a[.., .., 3] - a[.., .., 1];
        var centerY = a[.., .., 0] + (sizeY / 2);
        var centerX = a[.., .., 1] + (sizeX / 2);
        var halfH = (enc[.., .., 2] / 5).exp() * sizeY / 2;
        var cy = (enc[.., .., 0] / 10 * sizeY) + centerY;
        var halfW = (enc[.., .., 3] / 5).exp() * sizeX / 2;
        var cx = (enc[.., .., 1] / 10 * sizeX) + centerX;
        var boxes = torch.stack(new[] { cy - halfH, cx - halfW, cy + halfH, cx + halfW }, 2);
        var scores = torch.sigmoid(cls[.., .., 1]);
        return (boxes.MoveToOuterDisposeScope(), scores.MoveToOuterDisposeScope());
    }

    private static SameConv2d Pointwise(TfjsWeightMap w, string prefix, int stride) =>
        new(prefix.Replace('/', '_'), TfOps.ConvFilter(w, $"{prefix}/weights"), w.Tensor($"{prefix}/convolution_bn_offset"), stride);

    private static SameConv2d Depthwise(TfjsWeightMap w, string prefix, int stride)
    {
        var filter = TfOps.DepthwiseFilter(w, $"{prefix}/depthwise_weights");
        var gamma = w.Tensor($"{prefix}/BatchNorm/gamma");
        var beta = w.Tensor($"{prefix}/BatchNorm/beta");
        var mean = w.Tensor($"{prefix}/BatchNorm/moving_mean");
        var variance = w.Tensor($"{prefix}/BatchNorm/moving_variance");
        var k = gamma / (variance + BatchNormEpsilon).sqrt();
        return new SameConv2d(prefix.Replace('/', '_'), filter * k.view(-1, 1, 1, 1), beta - (mean * k), stride, groups: filter.shape[0]);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            backbone.Dispose();
            extra.Dispose();
            boxEncoders.Dispose();
            classifiers.Dispose();
            anchors.Dispose();
        }

        base.Dispose(disposing);
    }
}
