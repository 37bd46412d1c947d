using System.Text.Json;
using FaceClip.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Cli.Tests.Commands;

public sealed class ReconstructCommandTests
{
    private static string Sample(int i) => TestSupport.SharedAssets.SamplePhoto(i);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task WritesEveryArtifactForTheChosenFace()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-recon-", out var folder);
        var (code, output, error) = await Run("reconstruct", Sample(1), "--out", folder, "--face", "1", "--iterations", "3", "--device", "cpu", "--detail-iterations", "2");
        Assert.True(code == 0, error);
        Assert.Contains("face 1 of 3; critic face", output);
        Assert.Contains("details: mean |displacement|", output);
        Assert.Contains("fine-band photometric error", output);
        foreach (var name in new[] { "params.json", "mesh.obj", "mesh.mtl", "texture.png", "mesh.glb", "mesh.ply", "render.png", "overlay.png", "mesh-obj.zip", "displacement.png", "normal.png", "bump.png" })
        {
            Assert.True(File.Exists(Path.Combine(folder, name)), name);
        }

        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "params.json")));
        Assert.Equal(1, doc.RootElement.GetProperty("face_index").GetInt32());
        Assert.Equal("face", doc.RootElement.GetProperty("critic").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("detail").GetProperty("iterations").GetInt32());
        using var render = await Image.LoadAsync<Rgb24>(Path.Combine(folder, "render.png"));
        Assert.Equal(224, render.Width);
    }

    [Fact]
    public async Task AnUnreadableFileIsExitCodeTwoWithOneLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.jpg");
        await File.WriteAllBytesAsync(path, [0xFF, 0xD8, 0xFF, 0xE0, 0, 1, 2, 3]);
        try
        {
            var (code, _, error) = await Run("reconstruct", path, "--out", Path.GetTempPath());
            Assert.Equal(2, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.StartsWith("error:", error);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AMissingFileIsExitCodeTwo()
    {
        var (code, _, error) = await Run("reconstruct", "/no/such/photo.jpg", "--out", Path.GetTempPath());
        Assert.Equal(2, code);
        Assert.Contains("no such file", error);
    }

    [Fact]
    public async Task APhotoWithoutAFaceIsExitCodeTwo()
    {
        var path = Path.Combine(Path.GetTempPath(), $"noface-{Guid.NewGuid():N}.png");
        using (var blank = new Image<Rgb24>(200, 150, new Rgb24(30, 90, 40)))
        {
            await blank.SaveAsPngAsync(path);
        }

        try
        {
            var (code, _, error) = await Run("reconstruct", path, "--out", Path.GetTempPath());
            Assert.Equal(2, code);
            Assert.Equal("error: No face was found in the image.", error.Trim());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AFaceIndexOutOfRangeListsHowManyFacesWereFound()
    {
        var (code, _, error) = await Run("reconstruct", Sample(1), "--out", Path.GetTempPath(), "--face", "9");
        Assert.Equal(2, code);
        Assert.Contains("3 face(s) were found", error);
    }

    [Fact]
    public async Task AnUnknownLossWeightIsAUserError()
    {
        var (code, _, error) = await Run("reconstruct", Sample(1), "--out", Path.GetTempPath(), "--weight", "beauty=3");
        Assert.Equal(2, code);
        Assert.Contains("Unknown loss 'beauty'", error);
    }
}
