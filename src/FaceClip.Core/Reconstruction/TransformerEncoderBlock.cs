using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>A pre-norm transformer encoder layer over tokens [B, N, D]: multi-head self-attention then a GELU MLP,
/// each added back to its input.</summary>
public sealed class TransformerEncoderBlock : nn.Module<Tensor, Tensor>
{
    private readonly int heads;
    private readonly LayerNorm norm1;
    private readonly Linear qkv;
    private readonly Linear output;
    private readonly LayerNorm norm2;
    private readonly Linear mlp1;
    private readonly Linear mlp2;

    public TransformerEncoderBlock(string name, int width, int heads)
        : base(name)
    {
        this.heads = heads;
        norm1 = nn.LayerNorm(width);
        qkv = nn.Linear(width, width * 3);
        output = nn.Linear(width, width);
        norm2 = nn.LayerNorm(width);
        mlp1 = nn.Linear(width, width * 2);
        mlp2 = nn.Linear(width * 2, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var batch = x.shape[0];
        var tokens = x.shape[1];
        var width = x.shape[2];
        var head = width / heads;
        var projected = qkv.forward(norm1.forward(x)).view(batch, tokens, 3, heads, head).permute(2, 0, 3, 1, 4);
        var q = projected[0];
        var k = projected[1];
        var v = projected[2];
        var attention = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(head)).softmax(-1);
        var mixed = attention.matmul(v).transpose(1, 2).reshape(batch, tokens, width);
        x = x + output.forward(mixed);
        return x + mlp2.forward(nn.functional.gelu(mlp1.forward(norm2.forward(x))));
    }
}
