using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class SampleSummaryTests
{
    [Fact]
    public void SummarisesCountMeanMedianAndExtremes()
    {
        var s = SampleSummary.Of([4, 8, 1, 3]);
        Assert.Equal(new SampleSummary(4, 4, 3.5, 1, 8), s);
    }

    [Fact]
    public void ASingleValueIsEveryFigure() => Assert.Equal(new SampleSummary(1, 0.5, 0.5, 0.5, 0.5), SampleSummary.Of([0.5]));

    [Fact]
    public void NoValuesHaveNoSummary() => Assert.Throws<ArgumentException>(() => SampleSummary.Of([]));
}
