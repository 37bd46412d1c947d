using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>The reference's <c>ModifiedResNet</c>: a stem of three 3x3 convolutions and an average pool, four stages
/// of anti-aliased <see cref="Bottleneck"/>s, and <see cref="AttentionPool2d"/> instead of global average pooling.</summary>
public sealed class ModifiedResNet : ClipImageEncoder
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly ReLU relu2;
    private readonly Conv2d conv3;
    private readonly BatchNorm2d bn3;
    private readonly ReLU relu3;
    private readonly AvgPool2d avgpool;
    private readonly ModuleList<Bottleneck> layer1;
    private readonly ModuleList<Bottleneck> layer2;
    private readonly ModuleList<Bottleneck> layer3;
    private readonly ModuleList<Bottleneck> layer4;
    private readonly AttentionPool2d attnpool;

    public ModifiedResNet(IReadOnlyList<int> layers, int outputDim, int heads, int inputResolution, int width) : base("visual")
    {
        if (layers.Count != 4)
        {
            throw new ArgumentException("ModifiedResNet needs four stage depths.", nameof(layers));
        }

        Layers = layers.ToArray();
        OutputDim = outputDim;
        InputResolution = inputResolution;
        Width = width;
        conv1 = nn.Conv2d(3, width / 2, 3, stride: 2, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(width / 2);
        relu1 = nn.ReLU(inplace: true);
        conv2 = nn.Conv2d(width / 2, width / 2, 3, padding: 1, bias: false);
        bn2 = nn.BatchNorm2d(width / 2);
        relu2 = nn.ReLU(inplace: true);
        conv3 = nn.Conv2d(width / 2, width, 3, padding: 1, bias: false);
        bn3 = nn.BatchNorm2d(width);
        relu3 = nn.ReLU(inplace: true);
        avgpool = nn.AvgPool2d(2);

        long inplanes = width;
        layer1 = MakeLayer(ref inplanes, width, layers[0], 1);
        layer2 = MakeLayer(ref inplanes, width * 2, layers[1], 2);
        layer3 = MakeLayer(ref inplanes, width * 4, layers[2], 2);
        layer4 = MakeLayer(ref inplanes, width * 8, layers[3], 2);
        var embedDim = width * 32;
        attnpool = new AttentionPool2d(inputResolution / 32, embedDim, heads, outputDim);
        RegisterComponents();
    }

    public override int InputResolution { get; }

    public override int OutputDim { get; }

    public int Width { get; }

    public IReadOnlyList<int> Layers { get; }

    public override Tensor forward(Tensor input)
    {
        using var features = ForwardFeatures(input);
        return features.Pooled.clone();
    }

    /// <summary>Runs the tower and keeps every stage: stem (after its average pool), layer1..layer4 and the attention
    /// pool's output. Differentiable. Stages after <paramref name="lastLayer"/> (5 = the pool) are skipped and left
    /// empty, which saves time when only early layers are needed.</summary>
    public ModifiedResNetFeatures ForwardFeatures(Tensor input, int lastLayer = 5)
    {
        using var scope = NewDisposeScope();
        var x = input.to(conv1.weight!.dtype);
        x = relu1.forward(bn1.forward(conv1.forward(x)));
        x = relu2.forward(bn2.forward(conv2.forward(x)));
        x = relu3.forward(bn3.forward(conv3.forward(x)));
        var stem = avgpool.forward(x);
        Tensor Empty() => zeros(0, device: input.device);
        var l1 = Run(layer1, stem);
        var l2 = lastLayer >= 2 ? Run(layer2, l1) : Empty();
        var l3 = lastLayer >= 3 ? Run(layer3, l2) : Empty();
        var l4 = lastLayer >= 4 ? Run(layer4, l3) : Empty();
        var pooled = lastLayer >= 5 ? attnpool.forward(l4) : Empty();
        var result = new ModifiedResNetFeatures(stem, l1, l2, l3, l4, pooled);
        foreach (var t in new[] { stem, l1, l2, l3, l4, pooled })
        {
            t.MoveToOuterDisposeScope();
        }

        return result;
    }

    private static Tensor Run(ModuleList<Bottleneck> stage, Tensor x)
    {
        foreach (var block in stage)
        {
            x = block.forward(x);
        }

        return x;
    }

    private static ModuleList<Bottleneck> MakeLayer(ref long inplanes, long planes, int blocks, long stride)
    {
        var list = new List<Bottleneck> { new(inplanes, planes, stride) };
        inplanes = planes * Bottleneck.Expansion;
        for (var i = 1; i < blocks; i++)
        {
            list.Add(new Bottleneck(inplanes, planes));
        }

        return new ModuleList<Bottleneck>(list.ToArray());
    }
}
