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
/// <param name="ownsDense">Whether the judge disposes <paramref name="dense"/> (false for a landmarker borrowed from a
/// <see cref="Reconstruction.Reconstructor"/>, which keeps one).</param>
public sealed class ExpressionJudge(FacePipeline faces, DenseLandmarker dense, EmotionNet emotion, bool ownsDense = true) : IDisposable
{
    /// <summary>The judge's name, for reports.</summary>
    public const string Name = "Human's emotion net (mini-Xception, FER-2013; @vladmandic/human 3.3.6) on the Face Mesh crop";

    /// <summary>Loads the emotion net and, unless <paramref name="dense"/> lends one, the dense landmarker from the
    /// store; the face-api pipeline and a lent landmarker stay the caller's.</summary>
    public static ExpressionJudge Load(ModelStore store, FacePipeline faces, Device? device = null, DenseLandmarker? dense = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (dense is not null)
        {
            return new ExpressionJudge(faces, dense, EmotionNet.Load(store, device), ownsDense: false);
        }

        var own = DenseLandmarker.Load(store, device);
        try
        {
            return new ExpressionJudge(faces, own, EmotionNet.Load(store, device));
        }
        catch
        {
            own.Dispose();
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

        return Read(image, found.MaxBy(f => f.Box.Width * f.Box.Height)!);
    }

    /// <summary>The same for the face whose 68 landmarks are known, in the picture's pixels: a render of a fit, where the
    /// projected landmarks say where the model's face is (face-api's detector, trained on photos, misses many renders),
    /// or a photo's face as the fit found it. Face Mesh and the emotion net read it as for any face.</summary>
    public FaceExpressions Judge(byte[] picture, IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(picture);
        using var image = FaceImage.Decode(picture, "render");
        return Judge(image, landmarks);
    }

    /// <summary>The same for a decoded image.</summary>
    public FaceExpressions Judge(FaceImage image, IReadOnlyList<(float X, float Y)> landmarks)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(landmarks);
        if (landmarks.Count != 68)
        {
            throw new ArgumentException($"68 landmarks expected, got {landmarks.Count}.", nameof(landmarks));
        }

        var (minX, maxX, minY, maxY) = (landmarks.Min(p => p.X), landmarks.Max(p => p.X), landmarks.Min(p => p.Y), landmarks.Max(p => p.Y));
        var face = new DetectedFace(new FaceBox(minX, minY, maxX - minX, maxY - minY), 1, landmarks, [], new FaceExpressions(new float[FaceExpressions.Names.Count]));
        return Read(image, face);
    }

    private FaceExpressions Read(FaceImage image, DetectedFace face)
    {
        using var scope = NewDisposeScope();
        var mesh = dense.Detect(image, [face]);
        var (crops, _) = dense.Crops(image, mesh);
        return new FaceExpressions(emotion.Probabilities(crops).cpu().data<float>().ToArray());
    }

    public void Dispose()
    {
        if (ownsDense)
        {
            dense.Dispose();
        }

        emotion.Dispose();
    }
}
