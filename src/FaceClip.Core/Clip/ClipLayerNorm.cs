using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>The reference's <c>LayerNorm</c> subclass: normalises in float32 and returns the input's dtype.
/// State-dict names <c>weight</c> and <c>bias</c>.</summary>
public sealed class ClipLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long[] _shape;

    public ClipLayerNorm(long width, string name = "ln") : base(name)
    {
        _shape = [width];
        weight = new Parameter(ones(width));
        bias = new Parameter(zeros(width));
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        if (input.dtype == ScalarType.Float32)
        {
            return nn.functional.layer_norm(input, _shape, weight, bias, 1e-5);
        }

        using var scope = NewDisposeScope();
        var y = nn.functional.layer_norm(input.to(ScalarType.Float32), _shape, weight.to(ScalarType.Float32), bias.to(ScalarType.Float32), 1e-5);
        return y.to(input.dtype).MoveToOuterDisposeScope();
    }
}
