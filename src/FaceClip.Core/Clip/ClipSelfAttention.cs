using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary><c>nn.MultiheadAttention</c> as CLIP uses it (self-attention, packed input projection), on batch-first
/// input [N, L, D]. State-dict names <c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj.weight</c>,
/// <c>out_proj.bias</c>.</summary>
public sealed class ClipSelfAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly Parameter in_proj_weight;
    private readonly Parameter in_proj_bias;
    private readonly Linear out_proj;
    private readonly int _heads;
    private readonly long _width;

    public ClipSelfAttention(long width, int heads) : base("attn")
    {
        if (heads <= 0 || width % heads != 0)
        {
            throw new ArgumentException($"Attention width {width} is not divisible by {heads} heads.");
        }

        _width = width;
        _heads = heads;
        in_proj_weight = new Parameter(empty(3 * width, width));
        nn.init.xavier_uniform_(in_proj_weight);
        in_proj_bias = new Parameter(zeros(3 * width));
        out_proj = nn.Linear(width, width);
        RegisterComponents();
    }

    /// <param name="input">[N, L, D].</param>
    /// <param name="mask">Additive mask [L, L] or null.</param>
    public override Tensor forward(Tensor input, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var n = input.shape[0];
        var l = input.shape[1];
        var hd = _width / _heads;
        var qkv = nn.functional.linear(input, in_proj_weight, in_proj_bias).view(n, l, 3, _heads, hd).permute(2, 0, 3, 1, 4);
        var attended = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], mask);
        var merged = attended.transpose(1, 2).reshape(n, l, _width);
        return out_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
