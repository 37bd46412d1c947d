using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>ModifiedResNet's anti-aliased bottleneck: strided convolutions are replaced by an average pool after the
/// 3x3 convolution (and before the 1x1 convolution of the downsampling branch, which is named <c>downsample.-1</c>).</summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    public const int Expansion = 4;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly ReLU relu2;
    private readonly nn.Module<Tensor, Tensor> avgpool;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu3;
    private readonly Sequential? downsample;

    public Bottleneck(long inplanes, long planes, long stride = 1) : base("bottleneck")
    {
        conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
        bn1 = nn.BatchNorm2d(planes);
        relu1 = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(planes, planes, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(planes);
        relu2 = nn.ReLU(inplace: true);
        avgpool = stride > 1 ? nn.AvgPool2d(stride) : nn.Identity();
        conv3 = nn.Conv2d(planes, planes * Expansion, 1, bias: false);
        bn3 = nn.BatchNorm2d(planes * Expansion);
        relu3 = nn.ReLU(inplace: true);
        if (stride > 1 || inplanes != planes * Expansion)
        {
            downsample = nn.Sequential(
                ("-1", (nn.Module<Tensor, Tensor>)nn.AvgPool2d(stride)),
                ("0", nn.Conv2d(inplanes, planes * Expansion, 1, stride: 1, bias: false)),
                ("1", nn.BatchNorm2d(planes * Expansion)));
        }

        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var output = relu1.forward(bn1.forward(conv1.forward(input)));
        output = relu2.forward(bn2.forward(conv2.forward(output)));
        output = avgpool.forward(output);
        output = bn3.forward(conv3.forward(output));
        var identity = downsample is null ? input : downsample.forward(input);
        output = relu3.forward(output + identity);
        return output.MoveToOuterDisposeScope();
    }
}
