using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using Xunit.Abstractions;

namespace FaceClip.Core.Tests.Geometry;

/// <summary>The shipped map of Face Mesh onto ICT-FaceKit, and the pieces it is learnt with.</summary>
public sealed class DenseLandmarkMapTests(IctFaceKitFixture ict, ITestOutputHelper output) : IClassFixture<IctFaceKitFixture>
{
    [Fact]
    public void TheShippedMapIsForThisModelAndEveryPointIsOnTheFace()
    {
        var map = DenseLandmarkMap.Shipped();
        var data = ict.Data;
        Assert.Equal(data.SourceKey, map.ModelKey);
        Assert.Equal(DenseLandmarkMap.PointCount, map.Points.Count);
        var faceVertices = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r == FaceRegion.Face)).ToHashSet();
        var eyeVertices = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r is FaceRegion.IrisLeft or FaceRegion.IrisRight or FaceRegion.ScleraLeft or FaceRegion.ScleraRight)).ToHashSet();
        for (var i = 0; i < map.Points.Count; i++)
        {
            var set = i >= DenseLandmarkMap.IrisCentre ? eyeVertices : faceVertices;
            Assert.All(map.Points[i].Vertices, v => Assert.Contains(v, set));
            Assert.Equal(DenseLandmarkMap.FaceOval.Contains(i), map.Points[i].Contour);
        }

        // Left is the subject's left: on the model (x towards the subject's left) the left iris lies at larger x, and
        // Face Mesh's left outer eye corner (263) on the same side.
        var positions = map.Positions(data.Neutral);
        Assert.True(positions[DenseLandmarkMap.IrisCentre * 3] > positions[(DenseLandmarkMap.IrisCentre + 1) * 3]);
        Assert.True(positions[263 * 3] > positions[33 * 3]);
    }

    [Fact]
    public void ClosestPointOnATriangleIsInsideOnAnEdgeOrACorner()
    {
        float[] a = [0, 0, 0], b = [1, 0, 0], c = [0, 1, 0];
        Assert.Equal([0.5f, 0.25f, 0.25f], DenseMapBuilder.ClosestPoint([0.25f, 0.25f, 3], a, b, c)); // above the inside
        Assert.Equal([0.5f, 0.5f, 0f], DenseMapBuilder.ClosestPoint([0.5f, -2, 0], a, b, c));          // beyond edge ab
        Assert.Equal([0f, 1f, 0f], DenseMapBuilder.ClosestPoint([3, -1, 1], a, b, c));                  // beyond corner b
    }

    [Fact]
    public void MappedPointsOnTheTrueGeometryLandWhereFaceMeshSeesThem()
    {
        // The map is learnt from photographs of seed 1000; these are of another seed. Placed on each face's true
        // geometry and projected, the mapped points must fall where Face Mesh puts them: a few percent of the
        // outer-eye distance (a shuffled or mirrored map is off by tens of percent).
        var store = TestPaths.OpenStore();
        using var model = FaceModel.Load(store);
        using var faces = FacePipeline.Load(store);
        using var dense = DenseLandmarker.Load(store);
        var builder = new DenseMapBuilder(ict.Data, model.Layout.Shape, faces, dense);
        var check = builder.Check(DenseLandmarkMap.Shipped(), 6, 77);
        output.WriteLine($"{check.Faces} faces: all {check.MedianPx:P2}, silhouette {check.ContourMedian:P2}, irises {check.IrisMedian:P2}");
        Assert.True(check.Faces >= 5, $"only {check.Faces} of 6 faces found");
        Assert.True(check.MedianPx < 0.06, $"mapped points {check.MedianPx:P2} of the outer-eye distance from Face Mesh's");
        Assert.True(check.IrisMedian < 0.06, $"iris centres {check.IrisMedian:P2} of the outer-eye distance from the iris model's");
    }
}
