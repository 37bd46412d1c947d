using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Vision;

/// <summary>face-api's 68-point landmark net. Input: B x 3 x 112 x 112 in [0, 255] (a face crop padded to a square on
/// both sides and resized). Output: B x 68 x 2 landmark positions as fractions of the 112 square (x, y).</summary>
public sealed class FaceLandmarkNet : nn.Module<Tensor, Tensor>
{
    public const int InputSize = 112;

    private readonly DenseFeatureExtractor features;
    private readonly Linear fc;

    public FaceLandmarkNet(TfjsWeightMap w)
        : base(nameof(FaceLandmarkNet))
    {
        features = new DenseFeatureExtractor(w);
        fc = FaceNets.Linear(w, "fc/weights", "fc/bias");
        RegisterComponents();
    }

    public override Tensor forward(Tensor pixels) => fc.forward(features.forward(pixels)).view(-1, 68, 2);

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
