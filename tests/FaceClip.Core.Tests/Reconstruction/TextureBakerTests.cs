using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Tests.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class TextureBakerTests(IctFaceKitFixture fixture) : IClassFixture<IctFaceKitFixture>
{
    [Fact]
    public void InsidePolygonFollowsTheEvenOddRuleOnAConcaveOutline()
    {
        using var scope = NewDisposeScope();
        // An L: the square [0, 4]² without its upper-right quarter [2, 4]².
        var outline = tensor(new[] { 0f, 0f, 4f, 0f, 4f, 2f, 2f, 2f, 2f, 4f, 0f, 4f }).view(6, 2);
        var points = tensor(new[] { 1f, 1f, 3f, 1f, 1f, 3f, 3f, 3f, 5f, 1f, -1f, 1f, 1f, 5f }).view(7, 2);
        var inside = TextureBaker.InsidePolygon(points, outline).data<bool>().ToArray();
        Assert.Equal([true, true, true, false, false, false, false], inside);
        // Distances to the nearest edge: (1, 1) is 1 from the bottom and left edges, (3, 3) is 1 from the inner corner's
        // edges, (5, 1) 1 from the right edge, (-1, 1) 1 from the left one.
        var distances = TextureBaker.DistanceToPolygon(tensor(new[] { 1f, 1f, 3f, 1.5f, 5f, 1f, -1f, 1f, 3f, 3f }).view(5, 2), outline).data<float>().ToArray();
        Assert.Equal([1f, 0.5f, 1f, 1f, 1f], distances.Select(d => (float)Math.Round(d, 5)));
    }

    [Fact]
    public void HiddenInnerPartsTakeTheAlbedoAndShowThePhotoOnlyThroughTheirOpening()
    {
        using var scope = NewDisposeScope();
        // A skin square (vertices 0-3) at depth 10 and, 1 mm behind it, a smaller "eyeball" square (4-7): within the
        // visibility tolerance, as an eyeball is behind its lids. Vertices 8-11 outline the opening (the lid margins).
        float[] Square(float half, float z) => [-half, -half, z, half, -half, z, half, half, z, -half, half, z];
        var vertices = tensor(Square(2, -10).Concat(Square(1, -10.1f)).Concat(Square(0.5f, -10)).ToArray()).view(1, 12, 3);
        int[] triangles = [0, 1, 2, 0, 2, 3, 4, 5, 6, 4, 6, 7];
        // Skin on the left half of the atlas, the eyeball on the right half.
        float[] uvs = [0, 0, 0.5f, 0, 0.5f, 1, 0, 1, 0.5f, 0, 1, 0, 1, 1, 0.5f, 1];
        var camera = new PerspectiveCamera(64, 64, Focal: 64, Distance: 10);
        var crop = new FaceCrop(0, 0, 64, 64);
        var photo = zeros(1, 3, 64, 64);
        photo[0, 0] = full(64, 64, 255f); // a red photo
        var albedo = tensor(Enumerable.Range(0, 12).SelectMany(_ => new[] { 0.2f, 0.9f, 0.2f }).ToArray()).view(1, 12, 3);
        var lighting = zeros(1, 27);
        var inner = new TextureBaker.InnerParts([.. Enumerable.Range(0, 12).Select(v => v is >= 4 and < 8)], [[8, 9, 10, 11]]);

        Tensor Bake(TextureBaker.InnerParts? parts) =>
            TextureBaker.Bake(uvs, triangles, triangles, 32, 16, 12, vertices, camera, crop, photo, albedo, lighting, parts);

        // Texel (row, column) → (red, green). Column 24 is the eyeball's centre (x ≈ 0.06), column 17 near its edge
        // (x ≈ -0.81, outside the opening); column 8 is skin.
        (float Red, float Green) At(Tensor texture, int row, int column) => (texture[0, 0, row, column].item<float>(), texture[0, 1, row, column].item<float>());

        var plain = Bake(null);
        Assert.True(At(plain, 8, 17).Red > 0.9f, "without the inner parts a hidden eyeball texel takes the photo (the lid's colour)");

        var baked = Bake(inner);
        var (edgeRed, edgeGreen) = At(baked, 8, 17);
        Assert.True(edgeGreen > 0.5f && edgeRed < 0.3f, $"a hidden eyeball texel takes the shaded albedo, got ({edgeRed}, {edgeGreen})");
        var (centreRed, centreGreen) = At(baked, 8, 24);
        Assert.True(centreRed > 0.9f && centreGreen < 0.1f, $"the eyeball shows the photo through its opening, got ({centreRed}, {centreGreen})");
        Assert.True(At(baked, 8, 8).Red > 0.9f, "skin still takes the photo");
        // Column 27 lies 0.43 crop pixels inside the opening's edge: the photo fades in over the first pixel.
        var (fadeRed, fadeGreen) = At(baked, 8, 27);
        Assert.True(fadeRed is > 0.3f and < 0.7f && fadeGreen is > 0.2f and < 0.6f, $"half photo, half albedo near the opening's edge, got ({fadeRed}, {fadeGreen})");
        Assert.Throws<ArgumentException>(() => Bake(new TextureBaker.InnerParts(new bool[5], [[0, 1, 2]])));
    }

    [Fact]
    public void TheFaceModelsInnerPartsAreItsEyeballsTeethAndGumsSeenThroughTheLidsAndLips()
    {
        var data = fixture.Data;
        var inner = TextureBaker.InnerParts.Of(data);
        Assert.Equal(data.VertexCount, inner.Vertices.Length);
        var sclera = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r == FaceRegion.ScleraLeft));
        var teeth = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r == FaceRegion.Teeth));
        Assert.All(sclera.Concat(teeth), v => Assert.True(inner.Vertices[v]));
        Assert.All(data.Landmarks, v => Assert.False(inner.Vertices[v])); // the openings lie on the skin
        Assert.Equal([6, 6, 8], inner.Openings.Select(o => o.Length));
        Assert.Equal(data.Landmarks[36], inner.Openings[0][0]);
        Assert.Equal(data.Landmarks[67], inner.Openings[2][^1]);
    }
}
