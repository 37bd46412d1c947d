using FaceClip.Core.Evaluation;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class ExpressionFidelityTests
{
    private static FaceExpressions Reads(string name, float p = 0.8f)
    {
        var probabilities = Enumerable.Repeat((1 - p) / 6, 7).ToArray();
        probabilities[FaceExpressions.IndexOf(name)] = p;
        return new FaceExpressions(probabilities);
    }

    [Fact]
    public void TheDistanceIsHalfTheL1DistanceAndAMissingFaceIsAsFarAsItGets()
    {
        Assert.Equal(0, ExpressionFidelity.Distance(Reads("happy"), Reads("happy")), 6);
        Assert.Equal(0.8 - (0.2 / 6), ExpressionFidelity.Distance(Reads("happy"), Reads("sad")), 5);
        Assert.Equal(1, ExpressionFidelity.Distance(Reads("happy"), null));
    }

    [Fact]
    public void TheSummaryCountsAgreementsOverPhotosWithAFaceAndApartForExpressivePhotos()
    {
        ExpressionFidelity[] results =
        [
            new("laugh", Reads("happy"), Reads("happy"), Reads("neutral")),
            new("shock", Reads("surprised"), Reads("fearful"), Reads("neutral")),
            new("calm", Reads("neutral"), Reads("neutral"), Reads("neutral")),
            new("no face on the render", Reads("sad"), null, Reads("sad")),
            new("no face on the photo", null, Reads("happy"), Reads("happy")),
        ];
        var s = ExpressionFidelity.Summarise(results);
        Assert.Equal(new SuccessRate(2, 4), s.Fit);
        Assert.Equal(new SuccessRate(2, 4), s.Neutral);
        Assert.Equal(new SuccessRate(1, 3), s.ExpressiveFit);
        Assert.Equal(new SuccessRate(1, 3), s.ExpressiveNeutral);
        Assert.False(results[3].FitAgrees);
        Assert.Equal(results.Take(4).Average(r => r.FitDistance), s.FitDistance, 9);
        Assert.InRange(s.NeutralDistance, 0, 1);
    }
}
