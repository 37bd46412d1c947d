using System.Text.Json;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Vision;

/// <summary>Human's emotion net as FaceClip runs it, against @vladmandic/human's own tfjs run on the same face crops
/// (tools/mediapipe-reference/regenerate.sh writes both).</summary>
public sealed class EmotionNetTests
{
    private static readonly string ReferenceFolder = Path.Combine(TestPaths.RepositoryRoot, "tests", "FaceClip.Core.Tests", "Vision", "Reference", "mediapipe");

    [Fact]
    public void ItsProbabilitiesMatchHumanRunningInNodeOnTheSameFaces()
    {
        using var net = EmotionNet.Load(TestPaths.OpenStore());
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(ReferenceFolder, "reference.json")));
        var faces = doc.RootElement.GetProperty("crops").EnumerateArray().Where(c => c.GetProperty("outputs").TryGetProperty("emotion", out _)).ToList();
        Assert.Equal(6, faces.Count);
        var worst = 0.0;
        var sameTop = 0;
        foreach (var face in faces)
        {
            using var scope = NewDisposeScope();
            using var img = Image.Load<Rgb24>(Path.Combine(ReferenceFolder, face.GetProperty("file").GetString()!));
            var bytes = new byte[img.Width * img.Height * 3];
            img.CopyPixelDataTo(bytes);
            var crop = tensor(bytes, [1, img.Height, img.Width, 3]).to(ScalarType.Float32).permute(0, 3, 1, 2) / 255;
            var expected = face.GetProperty("outputs").GetProperty("emotion").GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            var actual = net.Raw(crop).cpu().data<float>().ToArray();
            worst = Math.Max(worst, expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max());
            sameTop += Array.IndexOf(expected, expected.Max()) == Array.IndexOf(actual, actual.Max()) ? 1 : 0;

            // Reordered to the product's class order, the same numbers.
            var named = net.Probabilities(crop).cpu().data<float>().ToArray();
            Assert.Equal(actual[Array.IndexOf(EmotionNet.NetClasses, "happy")], named[FaceExpressions.IndexOf("happy")]);
            Assert.Equal(1.0, named.Sum(), 3);
        }

        Assert.True(worst < 2e-3, $"largest difference from tfjs {worst:G3}");
        Assert.Equal(6, sameTop);
    }

    [Fact]
    public void TheResizeSamplesAsTensorFlowsLegacyBilinearDoes()
    {
        using var scope = NewDisposeScope();
        // 6 -> 3: output pixel i samples input i * 2 exactly (no half-pixel shift); 4 -> 3: at 0, 4/3, 8/3.
        var row = arange(6, dtype: ScalarType.Float32).view(1, 1, 1, 6).expand(1, 1, 6, 6).contiguous();
        Assert.Equal([0f, 2f, 4f], EmotionNet.ResizeWithoutHalfPixel(row, 3)[0, 0, 0].data<float>().ToArray());
        var four = arange(4, dtype: ScalarType.Float32).view(1, 1, 1, 4).expand(1, 1, 4, 4).contiguous();
        var sampled = EmotionNet.ResizeWithoutHalfPixel(four, 3)[0, 0, 0].data<float>().ToArray();
        Assert.Equal([0f, 1.3333f, 2.6667f], sampled.Select(v => MathF.Round(v, 4)));
    }
}

/// <summary>The second judge end to end: face-api finds the face, Face Mesh crops it, Human's emotion net reads it.</summary>
public sealed class ExpressionJudgeTests(FacePipelineFixture faces) : IClassFixture<FacePipelineFixture>
{
    [Fact]
    public void ItReadsTheLargestFaceOfAPhotoAndSaysWhenThereIsNone()
    {
        using var judge = Core.Evaluation.ExpressionJudge.Load(TestPaths.OpenStore(), faces.Pipeline);
        var smiling = judge.Judge(File.ReadAllBytes(Path.Combine(TestPaths.NodeModules, "@vladmandic", "face-api", "demo", "sample6.jpg")));
        Assert.NotNull(smiling);
        Assert.Equal("happy", smiling.Dominant); // Human in Node reads the same face as happy 0.94 (reference.json)
        Assert.Equal(1.0, smiling.Probabilities.Sum(), 3);

        using var grey = new Image<Rgb24>(160, 160, new Rgb24(128, 128, 128));
        using var stream = new MemoryStream();
        grey.SaveAsPng(stream);
        Assert.Null(judge.Judge(stream.ToArray()));
    }

    [Fact]
    public void AFaceWhoseLandmarksAreKnownIsReadThereAsTheDetectorWouldHaveFoundIt()
    {
        using var judge = Core.Evaluation.ExpressionJudge.Load(TestPaths.OpenStore(), faces.Pipeline);
        var photo = File.ReadAllBytes(Path.Combine(TestPaths.NodeModules, "@vladmandic", "face-api", "demo", "sample6.jpg"));
        using var image = FaceImage.Decode(photo, "sample6");
        var largest = faces.Pipeline.Analyse(image, expressions: false, descriptors: false).Faces.MaxBy(f => f.Box.Area)!;
        var found = judge.Judge(image)!;
        var given = judge.Judge(photo, largest.Landmarks);
        Assert.Equal(found.Probabilities, given.Probabilities);

        // The same landmarks on a blank picture: the judge reads what is there, not the face it saw before.
        using var grey = new Image<Rgb24>(image.Width, image.Height, new Rgb24(128, 128, 128));
        using var stream = new MemoryStream();
        grey.SaveAsPng(stream);
        var blank = judge.Judge(stream.ToArray(), largest.Landmarks);
        Assert.Equal("happy", found.Dominant);
        Assert.True(blank["happy"] < found["happy"] - 0.3, $"a blank picture reads happy {blank["happy"]:F2}");
        Assert.Throws<ArgumentException>(() => judge.Judge(photo, largest.Landmarks.Take(5).ToList()));
    }

    [Fact]
    public void ALentLandmarkerStaysTheLendersWhenTheJudgeIsDisposed()
    {
        var store = TestPaths.OpenStore();
        var photo = File.ReadAllBytes(Path.Combine(TestPaths.NodeModules, "@vladmandic", "face-api", "demo", "sample6.jpg"));
        using var dense = DenseLandmarker.Load(store);
        using (var judge = Core.Evaluation.ExpressionJudge.Load(store, faces.Pipeline, dense: dense))
        {
            Assert.Equal("happy", judge.Judge(photo)?.Dominant);
        }

        using var image = FaceImage.Decode(photo, "sample6");
        var found = faces.Pipeline.Analyse(image, expressions: false, descriptors: false).Faces;
        Assert.Equal(468, dense.Detect(image, [found[0]])[0].Points.Count);
    }
}
