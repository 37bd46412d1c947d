using System.Text.Json;
using FaceClip.Core.Runtime;

namespace FaceClip.Cli.Tests.Commands;

public sealed class FacesCommandTests
{
    private static string Sample(int i) => TestSupport.SharedAssets.SamplePhoto(i);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task JsonListsEveryFaceWithBoxLandmarksExpressionsAndDescriptor()
    {
        var (code, output, err) = await Run("faces", Sample(1), "--json", "--device", "cpu");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var faces = doc.RootElement.GetProperty("faces");
        Assert.Equal(3, faces.GetArrayLength());
        Assert.Equal(1920, doc.RootElement.GetProperty("width").GetInt32());
        foreach (var f in faces.EnumerateArray())
        {
            Assert.InRange(f.GetProperty("score").GetDouble(), 0.5, 1);
            Assert.Equal(68, f.GetProperty("landmarks").GetArrayLength());
            Assert.Equal(128, f.GetProperty("descriptor").GetArrayLength());
            var sum = f.GetProperty("expressions").EnumerateObject().Sum(p => p.Value.GetDouble());
            Assert.InRange(sum, 0.999, 1.001);
            var box = f.GetProperty("box");
            var (x, y) = (f.GetProperty("landmarks")[30][0].GetDouble(), f.GetProperty("landmarks")[30][1].GetDouble());
            Assert.InRange(x, box.GetProperty("x").GetDouble(), box.GetProperty("x").GetDouble() + box.GetProperty("width").GetDouble());
            Assert.InRange(y, box.GetProperty("y").GetDouble(), box.GetProperty("y").GetDouble() + box.GetProperty("height").GetDouble());
        }
    }

    [Fact]
    public async Task TableAndOverlayAreWritten()
    {
        var overlay = Path.Combine(Path.GetTempPath(), $"faceclip-overlay-{Guid.NewGuid():N}.png");
        try
        {
            var (code, output, err) = await Run("faces", Sample(5), "--overlay", overlay, "--device", "cpu");
            Assert.True(code == 0, err);
            Assert.Contains("5 face(s)", output);
            Assert.Contains("happy", output);
            using var png = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(overlay);
            Assert.Equal((1920, 1398), (png.Width, png.Height));
        }
        finally
        {
            File.Delete(overlay);
        }
    }

    [Fact]
    public async Task DenseAddsTheMeshAndIrisesOfEveryFaceAndWritesTheCropsItRead()
    {
        var crops = Directory.CreateTempSubdirectory("faceclip-crops-");
        try
        {
            var (code, output, err) = await Run("faces", Sample(1), "--dense", "--json", "--crops", crops.FullName, "--device", "cpu");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            var faces = doc.RootElement.GetProperty("faces").EnumerateArray().ToList();
            var dense = doc.RootElement.GetProperty("dense").EnumerateArray().ToList();
            Assert.Equal(faces.Count, dense.Count);
            for (var i = 0; i < dense.Count; i++)
            {
                Assert.Equal(468, dense[i].GetProperty("points").GetArrayLength());
                Assert.Equal(3, dense[i].GetProperty("points")[0].GetArrayLength());
                var irises = dense[i].GetProperty("irises");
                Assert.Equal(2, irises.GetArrayLength());
                Assert.All(irises.EnumerateArray(), iris => Assert.Equal(5, iris.GetArrayLength()));

                // The mesh's nose tip lies inside the detector's box of the same face.
                var box = faces[i].GetProperty("box");
                var nose = dense[i].GetProperty("points")[1];
                Assert.InRange(nose[0].GetDouble(), box.GetProperty("x").GetDouble(), box.GetProperty("x").GetDouble() + box.GetProperty("width").GetDouble());
                Assert.InRange(nose[1].GetDouble(), box.GetProperty("y").GetDouble(), box.GetProperty("y").GetDouble() + box.GetProperty("height").GetDouble());
            }

            var written = crops.GetFiles().Select(f => f.Name).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(dense.Count * 3, written.Count);
            using var mesh = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Path.Combine(crops.FullName, "mesh-sample1-0.png"));
            Assert.Equal((192, 192), (mesh.Width, mesh.Height));
            using var eye = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(Path.Combine(crops.FullName, "eye-sample1-0-left.png"));
            Assert.Equal((64, 64), (eye.Width, eye.Height));
        }
        finally
        {
            crops.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task CropsWithoutDenseIsAUserError()
    {
        var (code, _, err) = await Run("faces", Sample(1), "--crops", Path.GetTempPath());
        Assert.Equal(2, code);
        Assert.Contains("--dense", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTinyDetectorCanBeChosen()
    {
        var (code, output, err) = await Run("faces", Sample(3), "--detector", "tiny", "--json", "--device", "cpu");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(3, doc.RootElement.GetProperty("faces").GetArrayLength());
        var (bad, _, _) = await Run("faces", Sample(3), "--detector", "yolo");
        Assert.NotEqual(0, bad);
    }

    [Fact]
    public async Task ACorruptImageIsAUserErrorWithAClearMessage()
    {
        var bad = Path.Combine(Path.GetTempPath(), $"faceclip-bad-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(bad, new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3 });
        try
        {
            var (code, _, err) = await Run("faces", bad);
            Assert.Equal(FaceClipCommand.UserError, code);
            Assert.StartsWith("error: ", err);
            Assert.Contains(Path.GetFileName(bad), err);
            Assert.DoesNotContain("   at ", err);
        }
        finally
        {
            File.Delete(bad);
        }
    }

    [Fact]
    public async Task BenchFacesPrintsMedianTimesPerPhoto()
    {
        var (code, output, err) = await Run("bench", "faces", "--runs", "1", "--no-node", "--device", "cpu", Sample(6));
        Assert.True(code == 0, err);
        Assert.Contains("sample6.jpg", output);
        Assert.Contains("FaceClip ms", output);
        Assert.Contains("skipped (--no-node)", output);
    }
}
