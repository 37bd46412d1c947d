using FaceClip.Core.Expression;

namespace FaceClip.Core.Tests.Expression;

public sealed class ExpressionPrototypesTests
{
    private static readonly string[] Names =
    [
        "browDown_L", "browDown_R", "browInnerUp_L", "browInnerUp_R", "eyeLookUp_L", "eyeWide_L", "jawOpen",
        "mouthFrown_L", "mouthSmile_L", "mouthSmile_R", "cheekSquint_L", "mouthStretch_L", "noseSneer_L",
    ];

    private static int I(string name) => Array.IndexOf(Names, name);

    [Fact]
    public void APromptPullsItsPrototypeUpToItsLevelsAndItsAntagonistsDown()
    {
        var sad = ExpressionLexicon.Parse("sad");
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(Names, sad.Probabilities, 1.0);
        Assert.Equal(1f, relevance[I("browInnerUp_L")]);
        Assert.Equal(1f, relevance[I("browInnerUp_R")]);
        Assert.Equal(0.8f, levels[I("browInnerUp_L")], 5);
        Assert.Equal(0.7f, levels[I("mouthFrown_L")], 5);
        Assert.True(levels[I("browDown_L")] < levels[I("browInnerUp_L")], "a sad brow is raised inside more than it is lowered");
        Assert.Equal(1f, antagonism[I("mouthSmile_L")]); // a sad face does not smile
        Assert.Equal(1f, antagonism[I("jawOpen")]);
        Assert.Equal(0f, antagonism[I("browInnerUp_L")]);
        Assert.Equal(0f, levels[I("mouthSmile_L")]);
        Assert.Equal(0f, antagonism[I("noseSneer_L")]); // neither used nor contradicted
    }

    [Fact]
    public void IntensityScalesTheLevelsAndAMixtureKeepsWhatEitherExpressionUses()
    {
        var full = ExpressionPrototypes.Plan(Names, ExpressionLexicon.Parse("happy").Probabilities, 1.0);
        var slight = ExpressionPrototypes.Plan(Names, ExpressionLexicon.Parse("happy").Probabilities, 0.5);
        Assert.Equal(full.Levels[I("mouthSmile_L")] * 0.5f, slight.Levels[I("mouthSmile_L")], 5);

        // Surprise alone contradicts a smile; "happily surprised" uses it, so it is not pulled down.
        var surprised = ExpressionPrototypes.Plan(Names, ExpressionLexicon.Parse("surprised").Probabilities, 1.0);
        var mixed = ExpressionPrototypes.Plan(Names, ExpressionLexicon.Parse("happily surprised").Probabilities, 1.0);
        Assert.True(surprised.Antagonism[I("mouthSmile_L")] > 0);
        Assert.Equal(0f, mixed.Antagonism[I("mouthSmile_L")]);
        Assert.True(mixed.Levels[I("mouthSmile_L")] > 0 && mixed.Levels[I("jawOpen")] > 0, "both expressions' blendshapes are asked for");
        Assert.True(mixed.Antagonism[I("browDown_L")] > 0, "what either contradicts and neither uses stays pulled down");
    }

    [Fact]
    public void NeutralRelaxesEveryBlendshapeButGaze()
    {
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(Names, ExpressionLexicon.Parse("not smiling").Probabilities, 0.9);
        Assert.All(relevance, r => Assert.Equal(0f, r));
        Assert.All(levels, l => Assert.Equal(0f, l));
        for (var i = 0; i < Names.Length; i++)
        {
            Assert.Equal(Names[i].StartsWith("eyeLook", StringComparison.Ordinal) ? 0f : 1f, antagonism[i]);
        }
    }

    [Fact]
    public void EveryPrototypeNamesBlendshapesOfTheFaceModel()
    {
        // The face model's own blendshape names (one OBJ each): a typo in a prototype would silently ask for nothing.
        var stems = Directory.GetFiles(Path.Combine(TestPaths.IctFaceKit, "FaceXModel"), "*.obj")
            .Select(Path.GetFileNameWithoutExtension).Select(n => n!.EndsWith("_L", StringComparison.Ordinal) || n.EndsWith("_R", StringComparison.Ordinal) ? n[..^2] : n)
            .ToHashSet();
        Assert.All(ExpressionPrototypes.Levels.Values.SelectMany(l => l.Keys), s => Assert.Contains(s, stems));
        Assert.All(ExpressionPrototypes.Antagonists.Values.SelectMany(a => a).Where(a => a != "*"), s => Assert.Contains(s, stems));
        Assert.All(ExpressionPrototypes.Levels, kv => Assert.Empty(kv.Value.Keys.Intersect(ExpressionPrototypes.Antagonists[kv.Key])));
    }

    [Fact]
    public void PriorWeightsAndTheCriticTextureAreValidated()
    {
        new TransferOptions().Validate();
        Assert.Throws<ArgumentException>(() => new TransferOptions { AntagonistWeight = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TransferOptions { PrototypeWeight = -0.5 }.Validate());
        Assert.Throws<ArgumentException>(() => new TransferOptions { PrototypeLevel = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TransferOptions { CriticTexture = (CriticTexture)17 }.Validate());
        Assert.Throws<ArgumentException>(() => CriticTextures.Parse("photograph"));
        foreach (var texture in new[] { "upper-face", "albedo", "photo" })
        {
            var parsed = CriticTextures.Parse(texture);
            Assert.Equal(texture, parsed.Name());
            new TransferOptions { CriticTexture = parsed }.Validate();
        }
    }
}
