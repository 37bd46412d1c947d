using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>A residual block of depthwise-separable convolutions: x + pw₂(GELU(pw₁(GN(dw₃ₓ₃(x))))), where the
/// depthwise 3x3 picks up local, high-frequency structure and the pointwise pair mixes channels.</summary>
public sealed class DepthwiseSeparableBlock : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d depthwise;
    private readonly GroupNorm norm;
    private readonly Conv2d expand;
    private readonly Conv2d project;

    public DepthwiseSeparableBlock(string name, int channels)
        : base(name)
    {
        depthwise = nn.Conv2d(channels, channels, 3, padding: 1, groups: channels);
        norm = nn.GroupNorm(Math.Min(8, channels), channels);
        expand = nn.Conv2d(channels, channels * 2, 1);
        project = nn.Conv2d(channels * 2, channels, 1);
        using (no_grad())
        {
            // TorchSharp's GroupNorm can leave its affine parameters uninitialised (NaN seen): set them explicitly.
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor x) =>
        x + project.forward(nn.functional.gelu(expand.forward(norm.forward(depthwise.forward(x)))));
}
