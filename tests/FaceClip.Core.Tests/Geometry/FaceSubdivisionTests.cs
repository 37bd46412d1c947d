using FaceClip.Core.Geometry;

namespace FaceClip.Core.Tests.Geometry;

public sealed class FaceSubdivisionTests
{
    // Two triangles sharing the edge 1-2: a unit square in z = 0.
    private static readonly int[] Square = [0, 1, 2, 2, 1, 3];
    private static readonly double[] Corners = [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0];

    [Fact]
    public void EachLevelSplitsTrianglesInFourAndSharesTheMidpoints()
    {
        var two = new FaceSubdivision(Square, 4, [0, 1], levels: 2);
        Assert.Equal(2 * 16 * 3, two.Triangles.Length);
        // A square split twice is a 5 x 5 grid of vertices: shared midpoints, no duplicates.
        Assert.Equal(25, two.VertexCount);
        Assert.Equal(Enumerable.Range(0, 32).Select(t => t / 16), two.Parents);
        var positions = two.Mix(Corners);
        var points = Enumerable.Range(0, 25).Select(v => (Math.Round(positions[3 * v] * 4), Math.Round(positions[(3 * v) + 1] * 4))).Distinct().Count();
        Assert.Equal(25, points);

        // Only the chosen triangle is split; the other keeps its vertices and is not among the fine ones.
        var one = new FaceSubdivision(Square, 4, [0], levels: 1);
        Assert.Equal(4 * 3, one.Triangles.Length);
        Assert.False(one.Fine[3]);
    }

    [Fact]
    public void TheMapMovesTheFineVerticesAlongTheNormal()
    {
        var subdivision = new FaceSubdivision(Square, 4, [0, 1], levels: 3);
        double[] up = [0, 0, 2, 0, 0, 2, 0, 0, 2, 0, 0, 2]; // any length: the mixed normal is normalised
        double[] uvs = [0, 0, 1, 0, 0, 1, 1, 1];
        // D = 0.1 · u (cm), sampled at the vertex's UV.
        var map = Enumerable.Range(0, 16 * 16).Select(i => (float)(0.1 * ((i % 16) + 0.5) / 16)).ToArray();
        var moved = subdivision.Displace(Corners, up, uvs, map);
        var flat = subdivision.Mix(Corners);
        for (var v = 0; v < subdivision.VertexCount; v++)
        {
            Assert.Equal(flat[3 * v], moved[3 * v], 5);
            var expected = FaceSubdivision.Sample(map, 16, flat[3 * v], flat[(3 * v) + 1]);
            Assert.Equal(expected, moved[(3 * v) + 2], 5);
        }

        Assert.True(moved.Where((_, i) => i % 3 == 2).Max() > 0.09);
    }
}
