using static TorchSharp.torch;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// 3D error of a reconstructed surface against the true one with the same vertex order: the mean per-vertex
/// Euclidean distance over a vertex set after the similarity transform (scale, rotation, translation) that best maps
/// the reconstruction onto the truth in the least-squares sense (Umeyama 1991). A rotated, scaled and moved copy of
/// the truth scores 0; what remains is shape. Model units in, the same units out (cm for ICT-FaceKit; the benches
/// print mm).
/// </summary>
public static class SurfaceError
{
    /// <summary>Mean distance after alignment over <paramref name="vertexIds"/> (all vertices when null). Points are
    /// flat x, y, z triples.</summary>
    public static double Aligned(IReadOnlyList<float> reconstructed, IReadOnlyList<float> truth, IReadOnlyList<int>? vertexIds = null) =>
        Statistics.Mean(AlignedDistances(reconstructed, truth, vertexIds));

    /// <summary>Per-vertex distances after the similarity alignment, in <paramref name="vertexIds"/> order.</summary>
    public static double[] AlignedDistances(IReadOnlyList<float> reconstructed, IReadOnlyList<float> truth, IReadOnlyList<int>? vertexIds = null)
    {
        ArgumentNullException.ThrowIfNull(reconstructed);
        ArgumentNullException.ThrowIfNull(truth);
        if (reconstructed.Count != truth.Count || truth.Count % 3 != 0)
        {
            throw new ArgumentException($"Both surfaces need the same number of x, y, z triples ({reconstructed.Count} and {truth.Count} values).");
        }

        var ids = vertexIds ?? Enumerable.Range(0, truth.Count / 3).ToArray();
        if (ids.Count < 3)
        {
            throw new ArgumentException("An alignment needs at least three vertices.", nameof(vertexIds));
        }

        var source = Gather(reconstructed, ids);
        var target = Gather(truth, ids);
        var (scale, rotation, translation) = Similarity(source, target);
        var distances = new double[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            double squared = 0;
            for (var r = 0; r < 3; r++)
            {
                var mapped = translation[r];
                for (var c = 0; c < 3; c++)
                {
                    mapped += scale * rotation[r, c] * source[i, c];
                }

                var d = mapped - target[i, r];
                squared += d * d;
            }

            distances[i] = Math.Sqrt(squared);
        }

        return distances;
    }

    /// <summary>Umeyama's least-squares similarity y ≈ s·R·x + t between point sets [N, 3] (rows correspond); R is a
    /// proper rotation (no reflection).</summary>
    public static (double Scale, double[,] Rotation, double[] Translation) Similarity(double[,] source, double[,] target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var n = source.GetLength(0);
        var muX = new double[3];
        var muY = new double[3];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                muX[k] += source[i, k] / n;
                muY[k] += target[i, k] / n;
            }
        }

        var covariance = new double[9];
        double varianceX = 0;
        for (var i = 0; i < n; i++)
        {
            for (var r = 0; r < 3; r++)
            {
                var x = source[i, r] - muX[r];
                varianceX += x * x / n;
                for (var c = 0; c < 3; c++)
                {
                    covariance[(r * 3) + c] += (target[i, r] - muY[r]) * (source[i, c] - muX[c]) / n;
                }
            }
        }

        using var scope = NewDisposeScope();
        var sigma = tensor(covariance, dtype: ScalarType.Float64).view(3, 3);
        var (u, s, vh) = linalg.svd(sigma);
        var sign = linalg.det(u).item<double>() * linalg.det(vh).item<double>() < 0 ? -1.0 : 1.0;
        var d = tensor(new[] { 1.0, 1.0, sign }, dtype: ScalarType.Float64);
        var rotationTensor = u.matmul(diag(d)).matmul(vh);
        var scale = varianceX > 0 ? (s * d).sum().item<double>() / varianceX : 1.0;
        var values = rotationTensor.contiguous().data<double>().ToArray();
        var rotation = new double[3, 3];
        var translation = new double[3];
        for (var r = 0; r < 3; r++)
        {
            translation[r] = muY[r];
            for (var c = 0; c < 3; c++)
            {
                rotation[r, c] = values[(r * 3) + c];
                translation[r] -= scale * rotation[r, c] * muX[c];
            }
        }

        return (scale, rotation, translation);
    }

    /// <summary>Pearson's correlation of two equally long vectors (0 when either is constant).</summary>
    public static double Correlation(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count || a.Count == 0)
        {
            throw new ArgumentException($"Correlation needs two non-empty vectors of one length ({a.Count} and {b.Count}).");
        }

        double ma = a.Average(x => (double)x), mb = b.Average(x => (double)x);
        double sab = 0, saa = 0, sbb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }

        return saa > 0 && sbb > 0 ? sab / Math.Sqrt(saa * sbb) : 0;
    }

    private static double[,] Gather(IReadOnlyList<float> points, IReadOnlyList<int> ids)
    {
        var result = new double[ids.Count, 3];
        for (var i = 0; i < ids.Count; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                result[i, k] = points[(ids[i] * 3) + k];
            }
        }

        return result;
    }
}
