using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>The reference's <c>VisionTransformer</c>: patch convolution, class token, positional embedding,
/// <c>ln_pre</c>, transformer, <c>ln_post</c> on the class token, projection.</summary>
public sealed class VisionTransformer : ClipImageEncoder
{
    private readonly Conv2d conv1;
    private readonly Parameter class_embedding;
    private readonly Parameter positional_embedding;
    private readonly ClipLayerNorm ln_pre;
    private readonly ClipTransformer transformer;
    private readonly ClipLayerNorm ln_post;
    private readonly Parameter proj;

    public VisionTransformer(int inputResolution, int patchSize, int width, int layers, int heads, int outputDim) : base("visual")
    {
        if (inputResolution % patchSize != 0)
        {
            throw new ArgumentException($"Input resolution {inputResolution} is not a multiple of the patch size {patchSize}.");
        }

        InputResolution = inputResolution;
        PatchSize = patchSize;
        OutputDim = outputDim;
        var scale = Math.Pow(width, -0.5);
        var grid = inputResolution / patchSize;
        conv1 = nn.Conv2d(3, width, patchSize, stride: patchSize, bias: false);
        class_embedding = new Parameter(randn(width) * scale);
        positional_embedding = new Parameter(randn(grid * grid + 1, width) * scale);
        ln_pre = new ClipLayerNorm(width);
        transformer = new ClipTransformer(width, layers, heads);
        ln_post = new ClipLayerNorm(width);
        proj = new Parameter(randn(width, outputDim) * scale);
        RegisterComponents();
    }

    public override int InputResolution { get; }

    public override int OutputDim { get; }

    public int PatchSize { get; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = conv1.forward(input.to(conv1.weight!.dtype));
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1);
        var cls = class_embedding.to(x.dtype).expand(x.shape[0], 1, x.shape[2]);
        x = cat([cls, x], 1);
        x = x + positional_embedding.to(x.dtype);
        x = ln_pre.forward(x);
        x = transformer.forward(x, null);
        x = ln_post.forward(x[.., 0, ..]);
        return x.matmul(proj).MoveToOuterDisposeScope();
    }
}
