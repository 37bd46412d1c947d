using FaceClip.Core.Evaluation;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class LandmarkErrorTests
{
    /// <summary>68 points on a grid, outer eye corners (36, 45) 50 px apart horizontally.</summary>
    private static (float X, float Y)[] Face()
    {
        var points = Enumerable.Range(0, 68).Select(i => ((float)(100 + (i % 10) * 7), (float)(200 + (i / 10) * 9))).ToArray();
        points[36] = (120, 250);
        points[45] = (170, 250);
        return points;
    }

    private static (float X, float Y)[] Shifted((float X, float Y)[] points, float dx, float dy) =>
        points.Select(p => (p.X + dx, p.Y + dy)).ToArray();

    [Fact]
    public void IdenticalPointsHaveNoError()
    {
        var face = Face();
        Assert.Equal(0, LandmarkError.MeanDistance(face, face));
        Assert.Equal(0, LandmarkError.NmeByOuterEyeCorners(face, face));
        Assert.Equal(0, LandmarkError.NmeByBoxSize(face, face, new FaceBox(0, 0, 40, 90)));
    }

    [Fact]
    public void AKnownOffsetOverTheEyeDistance()
    {
        var reference = Face();
        var predicted = Shifted(reference, 3, 4); // every point 5 px off
        Assert.Equal(50, LandmarkError.OuterEyeCornerDistance(reference), 12);
        Assert.Equal(5, LandmarkError.MeanDistance(predicted, reference), 5);
        Assert.Equal(0.1, LandmarkError.NmeByOuterEyeCorners(predicted, reference), 6);
    }

    [Fact]
    public void TheNormaliserIsTheReferencesEyeDistanceNotThePredictions()
    {
        var reference = Face();
        var predicted = ((float X, float Y)[])reference.Clone();
        predicted[45] = (220, 250); // the prediction's eyes 100 px apart; one point 50 px off
        Assert.Equal(50.0 / 68 / 50, LandmarkError.NmeByOuterEyeCorners(predicted, reference), 9);
    }

    [Fact]
    public void AKnownOffsetOverTheSquareRootOfTheBoxArea()
    {
        var reference = Face();
        var predicted = Shifted(reference, -6, 8); // 10 px off
        Assert.Equal(10.0 / 60, LandmarkError.NmeByBoxSize(predicted, reference, new FaceBox(90, 180, 40, 90)), 6); // √(40·90) = 60
    }

    [Fact]
    public void TheLandmarkBoxNormaliserIsTheReferencePointsOwnBox()
    {
        (float X, float Y)[] reference = [(10, 20), (50, 20), (10, 120), (50, 120)]; // 40 x 100: √area = 63.25
        var predicted = Shifted(reference, 3, 4);
        Assert.Equal(new FaceBox(10, 20, 40, 100), LandmarkError.BoundingBox(reference));
        Assert.Equal(5 / Math.Sqrt(4000), LandmarkError.NmeByLandmarkBox(predicted, reference), 9);
        Assert.Equal((30, 70), LandmarkError.Centroid(reference));
    }

    [Fact]
    public void MeanDistanceAveragesUnequalErrors()
    {
        (float X, float Y)[] reference = [(0, 0), (10, 0), (0, 10), (10, 10)];
        (float X, float Y)[] predicted = [(0, 0), (10, 2), (0, 10), (16, 18)]; // 0, 2, 0, 10
        Assert.Equal(3, LandmarkError.MeanDistance(predicted, reference), 12);
        Assert.Equal(1.5, LandmarkError.Nme(predicted, reference, 2), 12);
    }

    [Fact]
    public void DegenerateNormalisersGiveAFiniteError()
    {
        var reference = Face();
        reference[45] = reference[36];
        var nme = LandmarkError.NmeByOuterEyeCorners(Shifted(reference, 1, 0), reference);
        Assert.Equal(1 / LandmarkError.MinimumNormaliser, nme, 3);
        Assert.True(double.IsFinite(LandmarkError.NmeByBoxSize(Shifted(reference, 1, 0), reference, new FaceBox(0, 0, 0, 0))));
    }

    [Fact]
    public void MismatchedOrEmptyOrTooFewPointsAreRejected()
    {
        var face = Face();
        Assert.Throws<ArgumentException>(() => LandmarkError.MeanDistance(face, face[..67]));
        Assert.Throws<ArgumentException>(() => LandmarkError.MeanDistance([], []));
        Assert.Throws<ArgumentException>(() => LandmarkError.NmeByOuterEyeCorners(face[..40], face[..40]));
    }

    [Fact]
    public void MatchesTheFormulaTheFitReportedBefore()
    {
        // The inline formula Reconstructor.Finish used before LandmarkError, on random landmark sets.
        var random = new Random(1234);
        for (var trial = 0; trial < 20; trial++)
        {
            var detected = Enumerable.Range(0, 68).Select(_ => ((float)(random.NextDouble() * 500), (float)(random.NextDouble() * 500))).ToArray();
            var landmarks = detected.Select(p => (p.Item1 + (float)(random.NextDouble() * 10 - 5), p.Item2 + (float)(random.NextDouble() * 10 - 5))).ToArray();
            var eyeDistance = Math.Sqrt(Math.Pow(detected[36].Item1 - detected[45].Item1, 2) + Math.Pow(detected[36].Item2 - detected[45].Item2, 2));
            var before = landmarks.Zip(detected, (a, b) => Math.Sqrt(Math.Pow(a.Item1 - b.Item1, 2) + Math.Pow(a.Item2 - b.Item2, 2))).Average() / Math.Max(eyeDistance, 1e-6);
            Assert.Equal(before, LandmarkError.NmeByOuterEyeCorners(landmarks, detected), 12);
        }
    }
}
