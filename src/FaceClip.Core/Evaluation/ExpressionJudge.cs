using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// Reads the expression on a picture with nets the product never optimises against: the face found by face-api's
/// detector and landmarks, cropped as MediaPipe Face Mesh crops it (<see cref="DenseLandmarker"/>), then judged by
/// Human's emotion net (<see cref="EmotionNet"/>). The transfer's embedded critic is face-api's expression net, so
/// counting its own verdicts is circular; this is the second opinion the benchmarks report beside it.
/// </summary>
public sealed class ExpressionJudge(FacePipeline faces, DenseLandmarker dense, EmotionNet emotion) : IDisposable
{
    /// <summary>The judge's name, for reports.</summary>
    public const string Name = "Human's emotion net (mini-Xception, FER-2013; @vladmandic/human 3.3.6) on the Face Mesh crop";

    /// <summary>Loads the emotion net and the dense landmarker from the store; the face-api pipeline is the caller's.</summary>
    public static ExpressionJudge Load(ModelStore store, FacePipeline faces, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var dense = DenseLandmarker.Load(store, device);
        try
        {
            return new ExpressionJudge(faces, dense, EmotionNet.Load(store, device));
        }
        catch
        {
            dense.Dispose();
            throw;
        }
    }

    /// <summary>The seven probabilities (<see cref="FaceExpressions.Names"/> order) for the largest face on a PNG or
    /// JPEG, or null when no face is found on it.</summary>
    public FaceExpressions? Judge(byte[] picture)
    {
        ArgumentNullException.ThrowIfNull(picture);
        using var image = FaceImage.Decode(picture, "render");
        return Judge(image);
    }

    /// <summary>The same for a decoded image.</summary>
    public FaceExpressions? Judge(FaceImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var found = faces.Analyse(image, expressions: false, descriptors: false).Faces;
        if (found.Count == 0)
        {
            return null;
        }

        var largest = found.MaxBy(f => f.Box.Width * f.Box.Height)!;
        using var scope = NewDisposeScope();
        var mesh = dense.Detect(image, [largest]);
        var (crops, _) = dense.Crops(image, mesh);
        return new FaceExpressions(emotion.Probabilities(crops).cpu().data<float>().ToArray());
    }

    public void Dispose()
    {
        dense.Dispose();
        emotion.Dispose();
    }
}
