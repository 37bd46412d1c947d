using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>TensorFlow semantics on TorchSharp tensors (NCHW): 'SAME' padding, legacy bilinear resize, weight layouts.</summary>
internal static class TfOps
{
    /// <summary>TF 'SAME' padding: the total (k - 1 for stride 1) split with the smaller half before, the rest after.
    /// For stride 2 on even sizes this is asymmetric (0 before, 1 after), unlike PyTorch's symmetric padding.</summary>
    public static (long Before, long After) SamePadding(long size, int kernel, int stride)
    {
        var outSize = (size + stride - 1) / stride;
        var total = Math.Max(((outSize - 1) * stride) + kernel - size, 0);
        return (total / 2, total - (total / 2));
    }

    /// <summary>Pads an NCHW tensor with zeros the way TF 'SAME' does before a <paramref name="kernel"/>/<paramref name="stride"/> window.</summary>
    public static Tensor PadSame(Tensor x, int kernel, int stride)
    {
        var (top, bottom) = SamePadding(x.shape[2], kernel, stride);
        var (left, right) = SamePadding(x.shape[3], kernel, stride);
        if (top == 0 && bottom == 0 && left == 0 && right == 0)
        {
            return x;
        }

        return nn.functional.pad(x, new[] { left, right, top, bottom });
    }

    /// <summary>tf.image.resizeBilinear(x, [h, w], alignCorners=false, halfPixelCenters=false) on NCHW:
    /// source = dest * (in / out), neighbours clamped to the last row/column. Differentiable.</summary>
    public static Tensor ResizeBilinearLegacy(Tensor x, long outH, long outW) => ResizeBilinearLegacy(x, outH, outW, x.shape[2], x.shape[3]);

    /// <summary>As <see cref="ResizeBilinearLegacy(Tensor, long, long)"/> applied to <paramref name="x"/> zero-padded at the
    /// bottom/right to <paramref name="paddedH"/> x <paramref name="paddedW"/>, without materialising the padded tensor.</summary>
    public static Tensor ResizeBilinearLegacy(Tensor x, long outH, long outW, long paddedH, long paddedW)
    {
        var inH = x.shape[2];
        var inW = x.shape[3];
        if (paddedH == inH && paddedW == inW && inH == outH && inW == outW)
        {
            return x;
        }

        var (y0, y1, wy0, wy1) = Taps(paddedH, inH, outH, x.device);
        var (x0, x1, wx0, wx1) = Taps(paddedW, inW, outW, x.device);
        var rows = (x.index_select(2, y0) * wy0.view(1, 1, -1, 1)) + (x.index_select(2, y1) * wy1.view(1, 1, -1, 1));
        return (rows.index_select(3, x0) * wx0.view(1, 1, 1, -1)) + (rows.index_select(3, x1) * wx1.view(1, 1, 1, -1));
    }

    /// <summary>Legacy bilinear taps over a virtual input of <paramref name="inSize"/> whose first <paramref name="validSize"/>
    /// entries exist (the rest are zero padding): indices clamped into the valid range, weights zeroed on padding.</summary>
    private static (Tensor I0, Tensor I1, Tensor W0, Tensor W1) Taps(long inSize, long validSize, long outSize, Device device)
    {
        var scale = (float)inSize / outSize;
        var i0 = new long[outSize];
        var i1 = new long[outSize];
        var w0 = new float[outSize];
        var w1 = new float[outSize];
        for (var i = 0; i < outSize; i++)
        {
            var src = i * scale;
            var lo = (long)Math.Floor(src);
            var a = Math.Min(lo, inSize - 1);
            var b = Math.Min(lo + 1, inSize - 1);
            var frac = src - lo;
            i0[i] = Math.Min(a, validSize - 1);
            i1[i] = Math.Min(b, validSize - 1);
            w0[i] = a < validSize ? 1 - frac : 0;
            w1[i] = b < validSize ? frac : 0;
        }

        return (torch.tensor(i0, device: device), torch.tensor(i1, device: device), torch.tensor(w0, device: device), torch.tensor(w1, device: device));
    }

    /// <summary>HWIO (TF conv filter) to OIHW (PyTorch).</summary>
    public static Tensor ConvFilter(TfjsWeightMap w, string name) => w.Tensor(name).permute(3, 2, 0, 1).contiguous();

    /// <summary>HWC1 (TF depthwise filter) to C1HW (PyTorch grouped conv).</summary>
    public static Tensor DepthwiseFilter(TfjsWeightMap w, string name) => w.Tensor(name).permute(2, 3, 0, 1).contiguous();

    /// <summary>Copies a weight (and bias) into a convolution and freezes it.</summary>
    public static void Assign(Conv2d conv, Tensor weight, Tensor? bias)
    {
        using var _ = torch.no_grad();
        conv.weight!.copy_(weight);
        conv.weight.requires_grad = false;
        if (bias is not null)
        {
            conv.bias!.copy_(bias);
            conv.bias.requires_grad = false;
        }
    }
}
