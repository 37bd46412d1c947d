using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>face-api's FaceFeatureExtractor (four dense blocks of separable convolutions, 112 -> 7, then a 7x7 average pool),
/// shared in shape by the 68-landmark net and the expression net. Input: B x 3 x 112 x 112 in [0, 255].</summary>
internal sealed class DenseFeatureExtractor : nn.Module<Tensor, Tensor>
{
    private static readonly float[] MeanRgb = { 122.782f, 117.001f, 104.298f };

    private readonly TorchSharp.Modules.ModuleList<SameConv2d> convs = new();
    private readonly Tensor mean;

    public DenseFeatureExtractor(TfjsWeightMap w)
        : base(nameof(DenseFeatureExtractor))
    {
        for (var d = 0; d < 4; d++)
        {
            for (var c = 0; c < 4; c++)
            {
                var p = $"dense{d}/conv{c}";
                var stride = c == 0 ? 2 : 1;
                if (d == 0 && c == 0)
                {
                    convs.Add(new SameConv2d("dense0_conv0", TfOps.ConvFilter(w, $"{p}/filters"), w.Tensor($"{p}/bias"), stride));
                    continue;
                }

                // Separable: depthwise 3x3 (stride, SAME, no bias) then pointwise 1x1 with the bias.
                var dw = TfOps.DepthwiseFilter(w, $"{p}/depthwise_filter");
                convs.Add(new SameConv2d($"dense{d}_conv{c}_dw", dw, null, stride, groups: dw.shape[0]));
                convs.Add(new SameConv2d($"dense{d}_conv{c}_pw", TfOps.ConvFilter(w, $"{p}/pointwise_filter"), w.Tensor($"{p}/bias"), 1));
            }
        }

        mean = torch.tensor(MeanRgb).view(1, 3, 1, 1);
        RegisterComponents();
    }

    /// <summary>B x 256 bottleneck features; <paramref name="blocks"/> receives each dense block's output (B x C x h x w).</summary>
    public Tensor Forward(Tensor pixels, List<Tensor>? blocks)
    {
        var x = (pixels - mean) / 255;
        var i = 0;
        for (var d = 0; d < 4; d++)
        {
            var out1 = d == 0 ? convs[i++].forward(x) : convs[i + 1].forward(convs[i].forward(x));
            if (d != 0)
            {
                i += 2;
            }

            out1 = out1.relu();
            var out2 = Separable(ref i, out1);
            var out3 = Separable(ref i, (out1 + out2).relu());
            var out4 = Separable(ref i, (out1 + out2 + out3).relu());
            x = (out1 + out2 + out3 + out4).relu();
            blocks?.Add(x);
        }

        return nn.functional.avg_pool2d(x, 7, 2).flatten(1);
    }

    public override Tensor forward(Tensor pixels) => Forward(pixels, null);

    private Tensor Separable(ref int i, Tensor x)
    {
        var y = convs[i + 1].forward(convs[i].forward(x));
        i += 2;
        return y;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            convs.Dispose();
            mean.Dispose();
        }

        base.Dispose(disposing);
    }
}
