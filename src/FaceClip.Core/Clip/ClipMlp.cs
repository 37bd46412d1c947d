using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>The transformer block's MLP: <c>c_fc</c> (4x width), QuickGELU, <c>c_proj</c>.</summary>
public sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear c_fc;
    private readonly QuickGelu gelu;
    private readonly Linear c_proj;

    public ClipMlp(long width) : base("mlp")
    {
        c_fc = nn.Linear(width, width * 4);
        gelu = new QuickGelu();
        c_proj = nn.Linear(width * 4, width);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return c_proj.forward(gelu.forward(c_fc.forward(input))).MoveToOuterDisposeScope();
    }
}
