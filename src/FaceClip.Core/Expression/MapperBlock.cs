using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>A pre-norm transformer block: multi-head self-attention and a GELU MLP (4x), each with a residual.</summary>
public sealed class MapperBlock : nn.Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly LayerNorm ln_1;
    private readonly Linear qkv;
    private readonly Linear proj;
    private readonly LayerNorm ln_2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>The block's linear layers in the order they are built (qkv, proj, fc1, fc2).</summary>
    internal IReadOnlyList<Linear> Linears => [qkv, proj, fc1, fc2];

    public MapperBlock(int width, int heads)
        : base(nameof(MapperBlock))
    {
        if (width % heads != 0)
        {
            throw new ArgumentException("The width must be a multiple of the number of heads.", nameof(heads));
        }

        _heads = heads;
        ln_1 = nn.LayerNorm(width);
        qkv = nn.Linear(width, 3 * width);
        proj = nn.Linear(width, width);
        ln_2 = nn.LayerNorm(width);
        fc1 = nn.Linear(width, 4 * width);
        fc2 = nn.Linear(4 * width, width);
        RegisterComponents();
    }

    /// <summary>Tokens [B, N, width] to tokens [B, N, width].</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var batch = x.shape[0];
        var count = x.shape[1];
        var width = x.shape[2];
        var headWidth = width / _heads;
        var qkvOut = qkv.forward(ln_1.forward(x)).view(batch, count, 3, _heads, headWidth).permute(2, 0, 3, 1, 4);
        var (q, k, v) = (qkvOut[0], qkvOut[1], qkvOut[2]);
        var attention = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headWidth)).softmax(-1);
        var mixed = attention.matmul(v).permute(0, 2, 1, 3).reshape(batch, count, width);
        x = x + proj.forward(mixed);
        x = x + fc2.forward(nn.functional.gelu(fc1.forward(ln_2.forward(x))));
        return x.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ln_1.Dispose();
            qkv.Dispose();
            proj.Dispose();
            ln_2.Dispose();
            fc1.Dispose();
            fc2.Dispose();
        }

        base.Dispose(disposing);
    }
}
