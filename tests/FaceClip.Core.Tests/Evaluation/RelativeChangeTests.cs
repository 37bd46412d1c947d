using FaceClip.Core.Evaluation;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class RelativeChangeTests
{
    [Fact]
    public void ChangeIsAFractionOfTheValueBefore()
    {
        Assert.Equal(-0.1, RelativeChange.Of(0.05, 0.045), 12);
        Assert.Equal(0.25, RelativeChange.Of(4, 5), 12);
        Assert.Equal(0, RelativeChange.Of(3, 3));
    }

    [Fact]
    public void WithinIsAtMostTheToleranceAboveTheReference()
    {
        Assert.True(RelativeChange.IsWithin(0.104, 0.1, 0.05));
        Assert.True(RelativeChange.IsWithin(0.05, 0.1, 0.05)); // lower is better: far below is within
        Assert.True(RelativeChange.IsWithin(1.05, 1, 0.05)); // the bound itself
        Assert.False(RelativeChange.IsWithin(0.106, 0.1, 0.05));
        Assert.False(RelativeChange.IsWithin(1.01, 1, 0));
    }
}
