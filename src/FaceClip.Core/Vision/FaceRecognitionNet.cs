using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>
/// face-api's face recognition net (a ResNet-34-like dlib model): a 128-D identity descriptor per face.
/// <see cref="forward"/> takes B x 3 x 150 x 150 pixels in [0, 255]; <see cref="Descriptors"/> and
/// <see cref="ForwardWithFeatures"/> take B x 3 x H x W images in [0, 1] and are differentiable with respect to them
/// (use 1 - cosine of descriptors as an identity loss, the feature maps for a perceptual loss).
/// </summary>
public sealed class FaceRecognitionNet : nn.Module<Tensor, Tensor>
{
    public const int InputSize = 150;
    private static readonly float[] MeanRgb = { 122.782f, 117.001f, 104.298f };

    private static readonly string[] Residuals =
    {
        "conv32_1", "conv32_2", "conv32_3", "conv64_down", "conv64_1", "conv64_2", "conv64_3",
        "conv128_down", "conv128_1", "conv128_2", "conv256_down", "conv256_1", "conv256_2", "conv256_down_out",
    };

    private readonly SameConv2d stem;
    private readonly TorchSharp.Modules.ModuleList<SameConv2d> convs = new();
    private readonly Tensor fc;
    private readonly Tensor mean;

    public FaceRecognitionNet(TfjsWeightMap w)
        : base(nameof(FaceRecognitionNet))
    {
        stem = Conv(w, "conv32_down", 2);
        foreach (var r in Residuals)
        {
            var down = r.Contains("down", StringComparison.Ordinal);
            convs.Add(Conv(w, $"{r}/conv1", down ? 2 : 1));
            convs.Add(Conv(w, $"{r}/conv2", 1));
        }

        fc = w.Tensor("fc");
        mean = torch.tensor(MeanRgb).view(1, 3, 1, 1);
        RegisterComponents();
    }

    /// <summary>Descriptors B x 128 for B x 3 x 150 x 150 pixels in [0, 255].</summary>
    public override Tensor forward(Tensor pixels) => Run(pixels, null);

    /// <summary>Descriptors B x 128 for face crops B x 3 x H x W in [0, 1] (resized bilinearly to 150 if needed; pass square,
    /// face-api-aligned crops for descriptors comparable with face-api's). Differentiable with respect to <paramref name="images"/>.</summary>
    public Tensor Descriptors(Tensor images) => Run(FaceNets.ToPixels(images, InputSize), null);

    /// <summary>Identity loss per batch item: 1 - cosine(descriptor(<paramref name="images"/>), <paramref name="targetDescriptors"/>).
    /// <paramref name="images"/>: B x 3 x H x W in [0, 1] (e.g. rendered faces warped with <see cref="FaceAligner.Warp"/> and
    /// <see cref="FaceAligner.RecognitionTemplate112"/>); targets: B x 128 or 1 x 128 (broadcast). Differentiable in the images.</summary>
    public Tensor IdentityLoss(Tensor images, Tensor targetDescriptors) =>
        1 - nn.functional.cosine_similarity(Descriptors(images), targetDescriptors.to(images.device), 1);

    /// <summary>Descriptors plus six feature maps: after the stem (conv + max pool) and after each residual stage
    /// (B x 32 x 35 x 35 twice, B x 64 x 17 x 17, B x 128 x 8 x 8, B x 256 x 4 x 4, B x 256 x 2 x 2 for 150 x 150 input).</summary>
    public (Tensor Descriptors, IReadOnlyList<Tensor> Features) ForwardWithFeatures(Tensor images)
    {
        var features = new List<Tensor>();
        var d = Run(FaceNets.ToPixels(images, InputSize), features);
        return (d, features);
    }

    private Tensor Run(Tensor pixels, List<Tensor>? features)
    {
        var x = (pixels - mean) / 255;
        x = stem.forward(x).relu();
        x = nn.functional.max_pool2d(x, 3, 2);
        features?.Add(x);
        for (var r = 0; r < Residuals.Length; r++)
        {
            var name = Residuals[r];
            var conv1 = convs[2 * r];
            var conv2 = convs[(2 * r) + 1];
            if (name.Contains("down", StringComparison.Ordinal))
            {
                var output = conv2.forward(conv1.forward(x).relu());
                var pooled = nn.functional.avg_pool2d(x, 2, 2);
                if (pooled.shape[2] != output.shape[2] || pooled.shape[3] != output.shape[3])
                {
                    // face-api appends one zero row and one zero column to the (smaller) convolution output.
                    output = nn.functional.pad(output, new long[] { 0, 1, 0, 1 });
                }

                if (pooled.shape[1] != output.shape[1])
                {
                    pooled = torch.cat(new[] { pooled, torch.zeros_like(pooled) }, 1);
                }

                x = (pooled + output).relu();
            }
            else
            {
                x = (conv2.forward(conv1.forward(x).relu()) + x).relu();
            }

            if (name is "conv32_3" or "conv64_3" or "conv128_2" or "conv256_2" or "conv256_down_out")
            {
                features?.Add(x);
            }
        }

        return x.mean(new long[] { 2, 3 }).matmul(fc);
    }

    /// <summary>conv + bias followed by face-api's scale layer (x * weights + biases), folded into one convolution.
    /// Strided convolutions here are 'VALID'; stride 1 ones 'SAME'.</summary>
    private static SameConv2d Conv(TfjsWeightMap w, string prefix, int stride)
    {
        var filter = TfOps.ConvFilter(w, $"{prefix}/conv/filters");
        var bias = w.Tensor($"{prefix}/conv/bias");
        var scale = w.Tensor($"{prefix}/scale/weights");
        var shift = w.Tensor($"{prefix}/scale/biases");
        return new SameConv2d(prefix.Replace('/', '_'), filter * scale.view(-1, 1, 1, 1), (bias * scale) + shift, stride, same: stride == 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            stem.Dispose();
            convs.Dispose();
            fc.Dispose();
            mean.Dispose();
        }

        base.Dispose(disposing);
    }
}
