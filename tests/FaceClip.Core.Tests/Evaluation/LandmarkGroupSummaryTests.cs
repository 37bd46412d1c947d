using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class LandmarkGroupSummaryTests
{
    /// <summary>A face whose annotation's landmark box is 80 x 80 (√area 80) and eye corners 40 apart.</summary>
    private static AnnotatedFace Annotation()
    {
        var points = AnnotationMatcherTests.Square(0, 0, 80);
        points[LandmarkError.LeftOuterEyeCorner] = (20, 30);
        points[LandmarkError.RightOuterEyeCorner] = (60, 30);
        return new AnnotatedFace(points, null);
    }

    private static (float X, float Y)[] Shifted(IReadOnlyList<(float X, float Y)> points, float dx) => points.Select(p => (p.X + dx, p.Y)).ToArray();

    private static LandmarkFaceResult Face(string source, float? detectorOff, float? fitOff)
    {
        var a = Annotation();
        return new LandmarkFaceResult("x.jpg", source, 0, a, detectorOff is null ? null : 0,
            detectorOff is { } d ? Shifted(a.Landmarks, d) : null, fitOff is { } f ? Shifted(a.Landmarks, f) : null,
            detectorOff is null ? "no face detected in the image" : null, 1);
    }

    [Fact]
    public void NmeIsTheMeanDistanceOverEyeDistanceAndOverTheSquareRootOfTheLandmarkBox()
    {
        var r = Face("a", 4, 2);
        Assert.Equal(4.0 / 40, r.DetectorNmeEyes!.Value, 6);
        Assert.Equal(4.0 / 80, r.DetectorNmeBox!.Value, 6);
        Assert.Equal(2.0 / 40, r.FitNmeEyes!.Value, 6);
        Assert.Equal(2.0 / 80, r.FitNmeBox!.Value, 6);
    }

    [Fact]
    public void GroupsCountFacesFoundAndFittedAndSummariseEachNme()
    {
        LandmarkFaceResult[] results = [Face("a", 4, 2), Face("a", 8, 12), Face("b", null, null), Face("b", 16, null)];
        var groups = LandmarkGroupSummary.BySource(results);
        Assert.Equal(["a", "b", LandmarkGroupSummary.All], groups.Select(g => g.Name).ToArray());
        var a = groups[0];
        Assert.Equal((2, 2, 2), (a.Faces, a.Found, a.Fitted));
        Assert.Equal(6.0 / 80, a.DetectorNmeBox!.Median, 6);
        Assert.Equal(7.0 / 80, a.FitNmeBox!.Mean, 6);
        Assert.Equal(new SuccessRate(1, 2), a.FitCloser);
        var b = groups[1];
        Assert.Equal((2, 1, 0), (b.Faces, b.Found, b.Fitted));
        Assert.Equal(16.0 / 40, b.DetectorNmeEyes!.Median, 6);
        Assert.Null(b.FitNmeBox);
        Assert.Null(b.FittedDetectorNmeBox);
        var all = groups[2];
        Assert.Equal((4, 3, 2), (all.Faces, all.Found, all.Fitted));
        Assert.Equal(8.0 / 80, all.DetectorNmeBox!.Median, 6); // 4, 8, 16
        Assert.Equal(6.0 / 80, all.FittedDetectorNmeBox!.Median, 6); // 4, 8 on the fitted faces
    }
}
