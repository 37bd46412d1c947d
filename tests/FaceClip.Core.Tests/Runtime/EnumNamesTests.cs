using FaceClip.Core.Expression;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;

namespace FaceClip.Core.Tests.Runtime;

public sealed class EnumNamesTests
{
    [Fact]
    public void EveryValueHasANameThatReadsBackInAnyCase()
    {
        static void RoundTrip<T>(EnumNames<T> names)
            where T : struct, Enum
        {
            foreach (var value in Enum.GetValues<T>())
            {
                var name = names.Name(value);
                Assert.Equal(name.ToLowerInvariant(), name);
                Assert.Equal(value, names.Parse(name));
                Assert.Equal(value, names.Parse(" " + name.ToUpperInvariant() + " "));
            }

            Assert.Equal(Enum.GetValues<T>().Length, names.All.Distinct().Count());
        }

        RoundTrip(Critics.ChoiceNames);
        RoundTrip(Critics.KindNames);
        RoundTrip(CriticTextures.Names);
        RoundTrip(FitInitialisers.Names);
        RoundTrip(OptimisationStages.Names);
        Assert.Equal(["auto", "clip", "face"], Critics.ChoiceNames.All);
        Assert.Equal("upper-face", CriticTexture.UpperFace.Name());
        Assert.Equal("mapper-training", OptimisationStage.MapperTraining.Name());
    }

    [Fact]
    public void AnUnknownNameIsRefusedWithTheNamesThatWork()
    {
        var error = Assert.Throws<ArgumentException>(() => Critics.ParseChoice("clipp"));
        Assert.Contains("auto, clip or face", error.Message);
        Assert.False(Critics.TryParseChoice(null, out _));
        Assert.Throws<ArgumentException>(() => FitInitialisers.Parse(""));
        Assert.Throws<ArgumentOutOfRangeException>(() => ((CriticKind)9).Name());
        Assert.Throws<ArgumentException>(() => new EnumNames<CriticKind>("kind", new Dictionary<CriticKind, string> { [CriticKind.Clip] = "clip" }));
    }

    [Fact]
    public void CriticChoicesResolveByWhetherClipIsInstalled()
    {
        Assert.Equal(CriticKind.Clip, CriticChoice.Auto.Resolve(clipAvailable: true));
        Assert.Equal(CriticKind.Face, CriticChoice.Auto.Resolve(clipAvailable: false));
        Assert.Equal(CriticKind.Clip, CriticChoice.Clip.Resolve(clipAvailable: false));
        Assert.Equal(CriticKind.Face, CriticChoice.Face.Resolve(clipAvailable: true));
        var source = new CriticSource<ICritic>(() => new NamedCritic(CriticKind.Face), null, "ViT-B-32.pt");
        using var face = source.Create(CriticChoice.Auto);
        Assert.Equal(CriticKind.Face, face.Kind);
        var missing = Assert.Throws<ModelAssetException>(() => source.Create(CriticChoice.Clip));
        Assert.Contains("faceclip models fetch clip", missing.Message);
        var both = new CriticSource<ICritic>(() => new NamedCritic(CriticKind.Face), () => new NamedCritic(CriticKind.Clip), "ViT-B-32.pt");
        using var clip = both.Create(CriticChoice.Auto);
        Assert.Equal(CriticKind.Clip, clip.Kind);
    }

    private sealed class NamedCritic(CriticKind kind) : ICritic
    {
        public CriticKind Kind => kind;

        public string Description => kind.Name();

        public void Dispose()
        {
        }
    }
}
