using FaceClip.Core.Evaluation;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Tests.Geometry;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class SurfaceErrorTests(IctFaceKitFixture ict) : IClassFixture<IctFaceKitFixture>
{
    [Fact]
    public void ARotatedScaledMovedCopyScoresZeroAndTheSimilarityIsRecovered()
    {
        var random = new Random(3);
        var points = Enumerable.Range(0, 300).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
        var rotation = SyntheticFaceGenerator.Rotation(30, -12, 8);
        var copy = Transform(points, rotation, 1.7, [4, -2, 9]);

        Assert.Equal(0, SurfaceError.Aligned(copy, points), 4);
        var (scale, r, t) = SurfaceError.Similarity(ToRows(points), ToRows(copy));
        Assert.Equal(1.7, scale, 5);
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(rotation[i], r[i / 3, i % 3], 5);
        }

        Assert.Equal([4.0, -2.0, 9.0], t.Select(x => Math.Round(x, 4)).ToArray());
    }

    [Fact]
    public void AReflectionIsNotAllowedToAlignAMirroredShape()
    {
        var random = new Random(5);
        var points = Enumerable.Range(0, 90).Select(_ => (float)(random.NextDouble() * 10)).ToArray();
        var mirrored = (float[])points.Clone();
        for (var i = 0; i < mirrored.Length; i += 3)
        {
            mirrored[i] = -mirrored[i];
        }

        Assert.True(SurfaceError.Aligned(mirrored, points) > 0.5);
    }

    [Fact]
    public void TheMeanFaceScoresTheDistanceToAFaceAndHalfWayScoresAboutHalf()
    {
        var data = ict.Data;
        var ids = SyntheticBenchmark.EvaluationVertices(data);
        var identity = Enumerable.Range(0, 80).Select(m => m % 7 == 0 ? 1.5f : 0f).ToArray();
        var expression = new float[data.ExpressionCount];
        var truth = SyntheticFaceGenerator.Vertices(data, identity, expression);
        var half = SyntheticFaceGenerator.Vertices(data, identity.Select(a => a / 2).ToArray(), expression);

        var meanFace = SurfaceError.Aligned(data.Neutral, truth, ids);
        Assert.InRange(meanFace * 10, 0.5, 10); // a face 1.5 sd away on a dozen modes is millimetres from the template
        Assert.Equal(0, SurfaceError.Aligned(truth, truth, ids), 6);
        Assert.InRange(SurfaceError.Aligned(half, truth, ids) / meanFace, 0.4, 0.6);

        // Without alignment the distance can only be larger.
        var unaligned = ids.Average(v => Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(data.Neutral[(v * 3) + k] - truth[(v * 3) + k], 2))));
        Assert.True(meanFace <= unaligned + 1e-9);
    }

    [Fact]
    public void TheEvaluationVerticesAreTheFrontFaceOnly()
    {
        var data = ict.Data;
        var ids = SyntheticBenchmark.EvaluationVertices(data);
        var mask = data.FrontFaceVertexMask();
        Assert.All(ids, v => Assert.True(mask[v]));
        Assert.Contains(data.Landmarks[30], ids); // the nose tip
        Assert.InRange(ids.Length, 3000, 12000);
    }

    [Fact]
    public void CorrelationOfKnownVectors()
    {
        Assert.Equal(1, SurfaceError.Correlation([1, 2, 3], [2, 4, 6]), 9);
        Assert.Equal(-1, SurfaceError.Correlation([1, 2, 3], [3, 2, 1]), 9);
        Assert.Equal(0, SurfaceError.Correlation([1, 1, 1], [3, 2, 1]), 9);
        Assert.Throws<ArgumentException>(() => SurfaceError.Correlation([1, 2], [1]));
    }

    private static float[] Transform(float[] points, double[] r, double s, double[] t)
    {
        var result = new float[points.Length];
        for (var i = 0; i < points.Length; i += 3)
        {
            for (var row = 0; row < 3; row++)
            {
                result[i + row] = (float)((s * ((r[row * 3] * points[i]) + (r[(row * 3) + 1] * points[i + 1]) + (r[(row * 3) + 2] * points[i + 2]))) + t[row]);
            }
        }

        return result;
    }

    private static double[,] ToRows(float[] points)
    {
        var rows = new double[points.Length / 3, 3];
        for (var i = 0; i < points.Length; i++)
        {
            rows[i / 3, i % 3] = points[i];
        }

        return rows;
    }
}
