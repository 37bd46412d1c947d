using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>Pre-norm transformer block: <c>x + attn(ln_1(x))</c>, then <c>x + mlp(ln_2(x))</c>.</summary>
public sealed class ResidualAttentionBlock : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly ClipSelfAttention attn;
    private readonly ClipLayerNorm ln_1;
    private readonly ClipMlp mlp;
    private readonly ClipLayerNorm ln_2;

    public ResidualAttentionBlock(long width, int heads) : base("resblock")
    {
        attn = new ClipSelfAttention(width, heads);
        ln_1 = new ClipLayerNorm(width);
        mlp = new ClipMlp(width);
        ln_2 = new ClipLayerNorm(width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var x = input + attn.forward(ln_1.forward(input), mask);
        x = x + mlp.forward(ln_2.forward(x));
        return x.MoveToOuterDisposeScope();
    }
}
