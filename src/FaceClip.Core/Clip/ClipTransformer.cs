using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>A stack of <see cref="ResidualAttentionBlock"/>s (<c>resblocks.N.*</c>) over batch-first input.</summary>
public sealed class ClipTransformer : nn.Module<Tensor, Tensor?, Tensor>
{
    private readonly ModuleList<ResidualAttentionBlock> resblocks;

    public ClipTransformer(long width, int layers, int heads) : base("transformer")
    {
        Width = width;
        Layers = layers;
        Heads = heads;
        resblocks = new ModuleList<ResidualAttentionBlock>(Enumerable.Range(0, layers).Select(_ => new ResidualAttentionBlock(width, heads)).ToArray());
        RegisterComponents();
    }

    public long Width { get; }

    public int Layers { get; }

    public int Heads { get; }

    public override Tensor forward(Tensor input, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var block in resblocks)
        {
            x = block.forward(x, mask);
        }

        return x.MoveToOuterDisposeScope();
    }
}
