using FaceClip.Core.Expression.Prompts;
using FaceClip.Core.Losses;
using FaceClip.Web.Inputs;

namespace FaceClip.Web.Tests.Inputs;

/// <summary>What the studio says about a prompt while it is typed and beside its chip: what the job will read, or why it cannot.</summary>
public sealed class PromptReadingTests
{
    [Fact]
    public void TheEmbeddedCriticSaysWhichExpressionItReads()
    {
        var reading = PromptReading.Of("look surprised", CriticChoice.Face, clipInstalled: true, maxLength: 200);
        Assert.True(reading.Readable);
        Assert.StartsWith("Reads as surprised", reading.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void AOneSidedPromptIsNotSilentlyReadAsASymmetricOne()
    {
        // A wink is a movement of the left eye, not an emotion; the person sees that, and that the face will be one-sided.
        var reading = PromptReading.Of("wink with the left eye", CriticChoice.Face, clipInstalled: false, maxLength: 200);
        Assert.True(reading.Readable);
        Assert.Contains("wink left", reading.Summary, StringComparison.Ordinal);
        Assert.DoesNotContain("happy", reading.Summary, StringComparison.Ordinal);
        Assert.Contains("one-sided", reading.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void APromptTheEmbeddedCriticCannotReadSaysWhyInOneSentence()
    {
        var reading = PromptReading.Of("a teapot on the moon", CriticChoice.Auto, clipInstalled: false, maxLength: 200);
        Assert.False(reading.Readable);
        Assert.Contains("Names no expression", reading.Summary, StringComparison.Ordinal);
        Assert.Contains("closest", reading.Summary, StringComparison.Ordinal);
        Assert.All(PromptReader.Shared.Rank("a teapot on the moon").Take(2), r => Assert.Contains($"\"{r.Concept.Descriptions[0].Text}\"", reading.Summary, StringComparison.Ordinal));
        Assert.True(reading.Summary.Length < 160, $"the reason is short enough to sit beside a chip: {reading.Summary}");
    }

    [Fact]
    public void ClipReadsAnyTextAndIsRefusedWhenItIsNotInstalled()
    {
        Assert.True(PromptReading.Of("a teapot on the moon", CriticChoice.Auto, clipInstalled: true, maxLength: 200).Readable);
        var missing = PromptReading.Of("a big smile", CriticChoice.Clip, clipInstalled: false, maxLength: 200);
        Assert.False(missing.Readable);
        Assert.Contains("not installed", missing.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void APromptPastTheLengthLimitSaysSo()
    {
        var reading = PromptReading.Of(new string('a', 30) + " smile", CriticChoice.Face, clipInstalled: false, maxLength: 20);
        Assert.False(reading.Readable);
        Assert.Contains("at most 20", reading.Summary, StringComparison.Ordinal);
    }
}
