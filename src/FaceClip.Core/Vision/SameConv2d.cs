using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>A frozen convolution with TF padding ('SAME' or 'VALID') and an optional bias, from TF-layout weights.</summary>
internal sealed class SameConv2d : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly int _kernel;
    private readonly int _stride;
    private readonly bool _same;
    private readonly bool _symmetric;

    /// <param name="weight">OIHW weight (for depthwise: C x 1 x kH x kW with <paramref name="groups"/> = C).</param>
    public SameConv2d(string name, Tensor weight, Tensor? bias, int stride, bool same = true, long groups = 1)
        : base(name)
    {
        var outC = weight.shape[0];
        var inC = weight.shape[1] * groups;
        _kernel = (int)weight.shape[2];
        _stride = stride;
        _same = same;
        // Stride 1 with an odd kernel pads symmetrically in TF too: let the convolution pad (no extra copy).
        _symmetric = same && stride == 1 && _kernel % 2 == 1;
        conv = nn.Conv2d(inC, outC, _kernel, stride: stride, padding: _symmetric ? _kernel / 2 : 0, groups: groups, bias: bias is not null);
        TfOps.Assign(conv, weight, bias);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (_same && !_symmetric)
        {
            x = TfOps.PadSame(x, _kernel, _stride);
        }

        return conv.forward(x);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
        }

        base.Dispose(disposing);
    }
}
