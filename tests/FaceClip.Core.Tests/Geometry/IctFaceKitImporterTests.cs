using FaceClip.Core.Geometry;
using FaceClip.TestSupport;

namespace FaceClip.Core.Tests.Geometry;

public sealed class IctFaceKitImporterTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>
{
    private readonly FaceModelData _data = fixture.Data;

    [Fact]
    public void ImportsTheFullLightHeadWithItsModesAndTopology()
    {
        Assert.Equal(26_719, _data.VertexCount);
        Assert.Equal(26_719 * 3, _data.Neutral.Length);
        Assert.Equal(100, _data.IdentityCount);
        Assert.Equal(100 * 26_719 * 3, _data.IdentityDeltas.Length);
        Assert.Equal(53, _data.ExpressionCount);
        Assert.Equal("browDown_L", _data.ExpressionNames[0]);
        Assert.Contains("jawOpen", _data.ExpressionNames);
        // 548 triangles plus 25,836 quads split in two.
        Assert.Equal(548 + 2 * 25_836, _data.TriangleCount);
        Assert.Equal(28_911, _data.Uvs.Length / 2);
        Assert.All(_data.Triangles, v => Assert.InRange(v, 0, 26_718));
        Assert.All(_data.TriangleUvIndices, uv => Assert.InRange(uv, 0, 28_910));
        Assert.Equal(Enum.GetValues<FaceRegion>().Length, _data.TriangleRegions.Distinct().Count());
        Assert.Equal(68, _data.Landmarks.Length);
    }

    [Fact]
    public void DeltasReproduceTheSourceObjFiles()
    {
        var identity7 = File.ReadLines(Path.Combine(fixture.FaceXModelFolder, "identity007.obj")).Where(l => l.StartsWith("v ", StringComparison.Ordinal)).Skip(1234).First();
        var expected = identity7.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => float.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var stride = _data.VertexCount * 3;
        for (var k = 0; k < 3; k++)
        {
            Assert.Equal(expected[k], _data.Neutral[1234 * 3 + k] + _data.IdentityDeltas[7 * stride + 1234 * 3 + k], 4);
        }

        // jawOpen moves the chin landmark down by centimetres; browDown_L leaves the chin alone.
        var jaw = Array.IndexOf(_data.ExpressionNames, "jawOpen");
        var chin = _data.Landmarks[8];
        Assert.True(_data.ExpressionDeltas[jaw * stride + chin * 3 + 1] < -1f);
        Assert.Equal(0f, _data.ExpressionDeltas[0 * stride + chin * 3 + 1], 3);
    }

    [Fact]
    public void FaceRegionHoldsTheFirst9409VerticesAndTheFittingMaskIsTheFrontFaceWithAllLandmarks()
    {
        var faceVertices = _data.TriangleIdsWhere(r => r == FaceRegion.Face).SelectMany(t => _data.VerticesOfTriangles([t])).Distinct().ToArray();
        Assert.Equal(0, faceVertices.Min());
        Assert.Equal(9408, faceVertices.Max());
        var fitting = _data.FittingTriangleIds();
        Assert.InRange(fitting.Length, 5_000, _data.TriangleIdsWhere(r => r == FaceRegion.Face).Length - 1);
        var fittingVertices = _data.VerticesOfTriangles(fitting).ToHashSet();
        Assert.All(_data.Landmarks, l => Assert.Contains(l, fittingVertices));
        var chinY = _data.Neutral[_data.Landmarks[8] * 3 + 1];
        var jawHalfWidth = _data.Neutral[_data.Landmarks[16] * 3];
        Assert.All(fittingVertices, v => Assert.True(_data.Neutral[v * 3 + 1] >= chinY - 0.25f && Math.Abs(_data.Neutral[v * 3]) <= jawHalfWidth));
        var display = _data.DisplayTriangleIds();
        Assert.DoesNotContain(display, t => _data.TriangleRegions[t] is FaceRegion.EyeOcclusion or FaceRegion.LacrimalFluid or FaceRegion.EyeBlend);
    }

    [Fact]
    public void LandmarksAreMirrorSymmetricAndInAnatomicalOrder()
    {
        (float X, float Y, float Z) P(int i) => (_data.Neutral[_data.Landmarks[i] * 3], _data.Neutral[_data.Landmarks[i] * 3 + 1], _data.Neutral[_data.Landmarks[i] * 3 + 2]);
        int[][] pairs = [[0, 16], [4, 12], [17, 26], [21, 22], [31, 35], [36, 45], [39, 42], [48, 54], [60, 64]];
        foreach (var pair in pairs)
        {
            var (a, b) = (P(pair[0]), P(pair[1]));
            Assert.True(a.X < 0 && b.X > 0, $"landmark {pair[0]} should be on the subject's right (-x)");
            Assert.Equal(-a.X, b.X, 2);
            Assert.Equal(a.Y, b.Y, 2);
        }

        foreach (var mid in new[] { 8, 27, 30, 33, 51, 57 })
        {
            Assert.Equal(0f, P(mid).X, 2);
        }

        // Brows above eyes above nose tip above mouth above chin; the nose tip is the most forward landmark.
        Assert.True(P(19).Y > P(37).Y && P(37).Y > P(30).Y && P(30).Y > P(51).Y && P(51).Y > P(57).Y && P(57).Y > P(8).Y);
        Assert.Equal(30, Enumerable.Range(0, 68).MaxBy(i => P(i).Z));
        // The jaw runs from the subject's right to left with the chin lowest.
        for (var i = 0; i < 16; i++)
        {
            Assert.True(P(i + 1).X > P(i).X);
        }

        Assert.Equal(8, Enumerable.Range(0, 17).MinBy(i => P(i).Y));
    }

    [Fact]
    public void ContourCandidatesRunOutwardsAtTheLandmarkHeight()
    {
        Assert.Equal(17, _data.ContourCandidates.Length);
        for (var k = 0; k < 17; k++)
        {
            var candidates = _data.ContourCandidates[k];
            var landmark = _data.Landmarks[k];
            Assert.Equal(landmark, candidates[0]);
            var (lx, ly) = (_data.Neutral[landmark * 3], _data.Neutral[landmark * 3 + 1]);
            foreach (var v in candidates.Skip(1))
            {
                Assert.Equal(Math.Sign(lx), Math.Sign(_data.Neutral[v * 3]));
                Assert.InRange(_data.Neutral[v * 3 + 1], ly - 0.35f, ly + 0.35f);
                Assert.True(Math.Abs(_data.Neutral[v * 3]) >= Math.Abs(lx));
            }

            if (k != 8)
            {
                Assert.True(candidates.Length > 3, $"landmark {k} has only {candidates.Length} contour candidates");
            }
        }
    }

    [Fact]
    public void SecondLoadComesFromTheCacheWithTheSameContents()
    {
        var store = TestPaths.OpenStore();
        var cache = Path.Combine(store.CacheDirectory, "ict-facekit.safetensors");
        Assert.True(File.Exists(cache));
        var again = IctFaceKitImporter.Load(store);
        Assert.Equal(_data.SourceKey, again.SourceKey);
        Assert.Equal(_data.Neutral, again.Neutral);
        Assert.Equal(_data.Triangles, again.Triangles);
        Assert.Equal(_data.TriangleRegions, again.TriangleRegions);
        Assert.Equal(_data.ExpressionNames, again.ExpressionNames);
        Assert.Equal(_data.ContourCandidates.SelectMany(c => c), again.ContourCandidates.SelectMany(c => c));
        Assert.Equal(_data.IdentityDeltas[^1], again.IdentityDeltas[^1]);
    }

    [Fact]
    public void CacheWithAnotherSourceKeyIsIgnored()
    {
        using var cleanup = TempFolder.Create("faceclip-cache-", out var folder);
        var path = Path.Combine(folder, "ict.safetensors");
        var small = _data.Subset(_data.FittingTriangleIds());
        IctFaceKitImporter.WriteCache(path, small);
        var same = IctFaceKitImporter.TryReadCache(path, small.SourceKey);
        Assert.NotNull(same);
        Assert.Equal(small.Neutral, same.Neutral);
        Assert.Null(IctFaceKitImporter.TryReadCache(path, small.SourceKey + "-changed"));
        File.WriteAllText(path, "not a safetensors file");
        Assert.Null(IctFaceKitImporter.TryReadCache(path, small.SourceKey));
    }
}
