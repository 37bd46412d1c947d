using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>ModifiedResNet's attention pooling: the mean feature (plus positional embedding) attends over all
/// positions with multi-head QKV attention and is projected by <c>c_proj</c>.</summary>
public sealed class AttentionPool2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter positional_embedding;
    private readonly Linear k_proj;
    private readonly Linear q_proj;
    private readonly Linear v_proj;
    private readonly Linear c_proj;
    private readonly int _heads;
    private readonly long _embedDim;

    public AttentionPool2d(long spatialDim, long embedDim, int heads, long outputDim) : base("attnpool")
    {
        if (embedDim % heads != 0)
        {
            throw new ArgumentException($"Attention pool width {embedDim} is not divisible by {heads} heads.");
        }

        _heads = heads;
        _embedDim = embedDim;
        positional_embedding = new Parameter(randn(spatialDim * spatialDim + 1, embedDim) / Math.Sqrt(embedDim));
        k_proj = nn.Linear(embedDim, embedDim);
        q_proj = nn.Linear(embedDim, embedDim);
        v_proj = nn.Linear(embedDim, embedDim);
        c_proj = nn.Linear(embedDim, outputDim);
        RegisterComponents();
    }

    /// <param name="input">[N, C, H, W] with H*W+1 equal to the positional embedding's length.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var n = input.shape[0];
        var x = input.flatten(2).permute(0, 2, 1); // N, HW, C
        x = cat([x.mean([1], keepdim: true), x], 1);
        if (x.shape[1] != positional_embedding.shape[0])
        {
            throw new ArgumentException(
                $"The attention pool expects a {(long)Math.Sqrt(positional_embedding.shape[0] - 1)}x{(long)Math.Sqrt(positional_embedding.shape[0] - 1)} " +
                $"feature map (the model's input resolution); got {input.shape[2]}x{input.shape[3]}.");
        }

        x = x + positional_embedding.to(x.dtype);
        var hd = _embedDim / _heads;
        var l = x.shape[1];
        var q = q_proj.forward(x[.., ..1]).view(n, 1, _heads, hd).transpose(1, 2);
        var k = k_proj.forward(x).view(n, l, _heads, hd).transpose(1, 2);
        var v = v_proj.forward(x).view(n, l, _heads, hd).transpose(1, 2);
        var attended = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(n, _embedDim);
        return c_proj.forward(attended).MoveToOuterDisposeScope();
    }
}
