using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>face-api's 7-class expression net (neutral, happy, sad, angry, fearful, disgusted, surprised; see
/// <see cref="FaceExpressions.Names"/>). <see cref="forward"/> takes B x 3 x 112 x 112 in [0, 255] and returns logits;
/// <see cref="Probabilities"/> takes any B x 3 x H x W image in [0, 1] and is differentiable with respect to it.</summary>
public sealed class FaceExpressionNet : nn.Module<Tensor, Tensor>
{
    public const int InputSize = 112;

    private readonly DenseFeatureExtractor features;
    private readonly Linear fc;

    public FaceExpressionNet(TfjsWeightMap w)
        : base(nameof(FaceExpressionNet))
    {
        features = new DenseFeatureExtractor(w);
        fc = FaceNets.Linear(w, "fc/weights", "fc/bias");
        RegisterComponents();
    }

    /// <summary>Logits B x 7 for B x 3 x 112 x 112 pixels in [0, 255].</summary>
    public override Tensor forward(Tensor pixels) => fc.forward(features.forward(pixels));

    /// <summary>Softmax probabilities B x 7 for face crops B x 3 x H x W in [0, 1] (resized bilinearly to 112 if needed;
    /// pass square crops, as face-api pads to a square first). Differentiable with respect to <paramref name="images"/>.</summary>
    public Tensor Probabilities(Tensor images) => forward(FaceNets.ToPixels(images, InputSize)).softmax(1);

    /// <summary>Logits plus the four dense-block feature maps (B x 32 x 56 x 56 ... B x 256 x 7 x 7), for feature losses.</summary>
    public (Tensor Logits, IReadOnlyList<Tensor> Features) ForwardWithFeatures(Tensor images)
    {
        var blocks = new List<Tensor>();
        var logits = fc.forward(features.Forward(FaceNets.ToPixels(images, InputSize), blocks));
        return (logits, blocks);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            features.Dispose();
            fc.Dispose();
        }

        base.Dispose(disposing);
    }
}
