using FaceClip.Core.Evaluation;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class AnnotationMatcherTests
{
    /// <summary>68 points spread over a square of side <paramref name="size"/> at (x, y).</summary>
    internal static (float X, float Y)[] Square(float x, float y, float size) =>
        Enumerable.Range(0, 68).Select(i => (x + (size * (i % 9) / 8f), y + (size * (i / 9) / 7f))).ToArray();

    /// <summary>A detection around the points: the box a little larger than them, as the detector draws it.</summary>
    private static DetectedFace Detection((float X, float Y)[] points)
    {
        var box = LandmarkError.BoundingBox(points);
        return new DetectedFace(new FaceBox(box.X - 5, box.Y - 15, box.Width + 10, box.Height + 20), 0.9f, points, new float[128], new FaceExpressions(new float[7]));
    }

    [Fact]
    public void EachAnnotationGetsTheDetectionOnItsFaceWhateverTheOrder()
    {
        var left = new AnnotatedFace(Square(10, 10, 50), null);
        var right = new AnnotatedFace(Square(200, 30, 60), null);
        var detections = new[] { Detection(Square(203, 32, 58)), Detection(Square(12, 8, 52)) };
        var matches = AnnotationMatcher.Match([left, right], detections);
        Assert.Equal(1, matches[0].Detection);
        Assert.Equal(0, matches[1].Detection);
        Assert.True(matches[0].Overlap > 0.8);
    }

    [Fact]
    public void AFaceWithNoOverlappingDetectionIsUnmatchedWithItsBestOverlap()
    {
        var annotated = new AnnotatedFace(Square(10, 10, 50), null);
        var far = AnnotationMatcher.Match([annotated], [Detection(Square(300, 300, 50))]);
        Assert.Null(far[0].Detection);
        Assert.Equal(0, far[0].Overlap);
        Assert.Null(AnnotationMatcher.Match([annotated], []).Single().Detection);
    }

    [Fact]
    public void AMuchLargerDetectionAroundTheFaceDoesNotMatch()
    {
        // The annotation's centroid is inside the big box, but the landmark boxes overlap by 0.04.
        var annotated = new AnnotatedFace(Square(100, 100, 20), null);
        var matches = AnnotationMatcher.Match([annotated], [Detection(Square(60, 60, 100))]);
        Assert.Null(matches[0].Detection);
        Assert.InRange(matches[0].Overlap, 0.01, AnnotationMatcher.MinimumOverlap);
    }

    [Fact]
    public void OneDetectionServesOneAnnotationOnly()
    {
        var a = new AnnotatedFace(Square(10, 10, 50), null);
        var b = new AnnotatedFace(Square(14, 12, 50), null); // a duplicate annotation of nearly the same face
        var matches = AnnotationMatcher.Match([a, b], [Detection(Square(14, 12, 50))]);
        Assert.Null(matches[0].Detection);
        Assert.Equal(0, matches[1].Detection);
    }
}
