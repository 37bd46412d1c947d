using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Tests.Geometry;
using FaceClip.TestSupport;
using SkiaSharp;

namespace FaceClip.Core.Tests.Evaluation.Synthetic;

public sealed class SyntheticCorpusTests(IctFaceKitFixture ict) : IClassFixture<IctFaceKitFixture>
{
    private static readonly SyntheticScene Small = SyntheticScene.Corpus with { ImageSize = 96, OccluderChance = 1 };

    [Fact]
    public void ACorpusIsTheSameWrittenInOneRunOrResumedOnMoreThreadsAndItsLabelsMatchItsPhotos()
    {
        using var cleanupOne = TempFolder.Create("faceclip-corpus-", out var one);
        using var cleanupTwo = TempFolder.Create("faceclip-corpus-", out var two);
        var corpus = new SyntheticCorpus(ict.Data, 80, Small, supersampling: 1);
        var whole = corpus.Write(one, 3, seed: 5, threads: 1);
        Assert.Equal((0, 3), (whole.Existing, whole.Written));

        Assert.Equal(2, corpus.Write(two, 2, seed: 5, threads: 2).Written);
        // A run cut short mid-line leaves half a label: it is dropped and the face written again.
        File.AppendAllText(Path.Combine(two, SyntheticCorpus.LabelsFile), "{\"index\":2,\"ima");
        var resumed = corpus.Write(two, 3, seed: 5, threads: 2);
        Assert.Equal((2, 1), (resumed.Existing, resumed.Written));

        var (info, a) = SyntheticCorpus.Read(one);
        var (_, b) = SyntheticCorpus.Read(two);
        Assert.Equal(SyntheticCorpus.Format, info.Format);
        Assert.Equal(ict.Data.ExpressionNames, info.ExpressionNames);
        Assert.Equal([0, 1, 2], a.Select(l => l.Index));
        Assert.Equal(a.Select(l => l.Identity.Sum()), b.Select(l => l.Identity.Sum()));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(one, a[i].Image)), File.ReadAllBytes(Path.Combine(two, b[i].Image)));
        }

        // The labels are the generator's faces, and their landmarks lie on the photos.
        var faces = new SyntheticFaceGenerator(ict.Data, 80, Small).Draw(3, 5);
        Assert.Equal(faces.Select(f => f.Yaw), a.Select(l => l.Yaw));
        Assert.Equal(faces.Select(f => f.Expression.Sum()), a.Select(l => l.Expression.Sum()));
        Assert.All(a, l => Assert.NotEqual("", l.Occluders));
        foreach (var label in a)
        {
            using var photo = SKBitmap.Decode(Path.Combine(one, label.Image));
            Assert.Equal((96, 96), (photo.Width, photo.Height));
            Assert.Equal(68, label.Landmarks.Length);
            Assert.True(label.Landmarks.Count(p => p[0] is >= 0 and < 96 && p[1] is >= 0 and < 96) >= 60, $"face {label.Index}: landmarks off the photo");
        }

        // Another seed is another corpus: it is not written into this one.
        var other = Assert.Throws<InvalidOperationException>(() => corpus.Write(one, 4, seed: 6));
        Assert.Contains("other settings", other.Message, StringComparison.Ordinal);
        Assert.Equal(3, SyntheticCorpus.Read(one).Labels.Count);
    }

    [Fact]
    public void TheCorpusSceneChangesFramingAndOccludersButNotTheBenchmarksFaces()
    {
        var benchmark = new SyntheticFaceGenerator(ict.Data, 80).Draw(40, 3);
        var corpus = new SyntheticFaceGenerator(ict.Data, 80, SyntheticScene.Corpus).Draw(40, 3);
        var explicitBenchmark = new SyntheticFaceGenerator(ict.Data, 80, SyntheticScene.Benchmark).Draw(40, 3);
        Assert.Equal(benchmark.Select(f => (f.Yaw, f.Seed, f.JpegQuality, f.Position[2])), explicitBenchmark.Select(f => (f.Yaw, f.Seed, f.JpegQuality, f.Position[2])));
        Assert.All(benchmark, f => Assert.Equal(SyntheticOccluders.None, f.Occluders));

        // The same people in the same poses, photographed closer in smaller photos.
        Assert.Equal(benchmark.Select(f => f.Identity.Sum()), corpus.Select(f => f.Identity.Sum()));
        Assert.Equal(benchmark.Select(f => f.Yaw), corpus.Select(f => f.Yaw));
        Assert.All(corpus, f => Assert.Equal(256, f.Width));
        Assert.All(benchmark, f => Assert.InRange(f.Width, 448, 640));
        var occluded = corpus.Count(f => f.Occluders != SyntheticOccluders.None);
        Assert.InRange(occluded, 10, 30);
        Assert.Contains(corpus, f => f.Occluders.HasFlag(SyntheticOccluders.Glasses));
        Assert.Contains(corpus, f => f.Occluders.HasFlag(SyntheticOccluders.Hand));
        Assert.Contains(corpus, f => f.Occluders.HasFlag(SyntheticOccluders.Hair));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticFaceGenerator(ict.Data, 80, SyntheticScene.Corpus with { OccluderChance = 1.5 }));
    }

    [Fact]
    public void GlassesAreDrawnOverTheEyesAndLeaveTheRestOfThePhotoAlone()
    {
        var face = new SyntheticFaceGenerator(ict.Data, 80, SyntheticScene.Corpus with { OccluderChance = 0 }).Draw(3, 8)[0] with { Yaw = 0, Pitch = 0, Roll = 0 };
        var renderer = new ReferenceRenderer(ict.Data, supersampling: 1);
        var vertices = SyntheticFaceGenerator.Vertices(ict.Data, face.Identity, face.Expression);
        var bare = renderer.Render(face, vertices);
        var glasses = renderer.Render(face with { Occluders = SyntheticOccluders.Glasses }, vertices);
        Assert.Equal(bare.Landmarks, glasses.Landmarks);
        using var a = SKBitmap.Decode(bare.Jpeg);
        using var b = SKBitmap.Decode(glasses.Jpeg);

        double Difference(int x0, int y0, int x1, int y1)
        {
            double sum = 0;
            for (var y = y0; y < y1; y++)
            {
                for (var x = x0; x < x1; x++)
                {
                    var (p, q) = (a.GetPixel(x, y), b.GetPixel(x, y));
                    sum += Math.Abs(p.Red - q.Red) + Math.Abs(p.Green - q.Green) + Math.Abs(p.Blue - q.Blue);
                }
            }

            return sum / (3.0 * (x1 - x0) * (y1 - y0));
        }

        // Round the eyes (landmarks 36-47), against the photo's bottom corners.
        var eyes = bare.Landmarks[36..48];
        var (left, right) = ((int)eyes.Min(p => p.X) - 8, (int)eyes.Max(p => p.X) + 8);
        var (top, bottom) = ((int)eyes.Min(p => p.Y) - 8, (int)eyes.Max(p => p.Y) + 8);
        Assert.True(Difference(left, top, right, bottom) > 8, $"eyes changed by {Difference(left, top, right, bottom):F1} grey levels");
        Assert.True(Difference(0, 236, 20, 256) < 2, $"the corner changed by {Difference(0, 236, 20, 256):F1} grey levels");
    }
}
