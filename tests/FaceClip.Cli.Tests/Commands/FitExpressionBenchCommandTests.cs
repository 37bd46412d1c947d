using FaceClip.TestSupport;

namespace FaceClip.Cli.Tests.Commands;

public sealed class FitExpressionBenchCommandTests
{
    [Fact]
    public async Task TheBenchJudgesThePhotoTheFitAndTheFitWithoutItsExpressionAndDrawsThem()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-fit-expression-", out var folder);
        var photos = Directory.CreateDirectory(Path.Combine(folder, "photos", "smiling")).FullName;
        File.Copy(TestSupport.SharedAssets.SamplePhoto(6), Path.Combine(photos, "face.jpg"));
        File.WriteAllText(Path.Combine(photos, "broken.jpg"), "not an image");
        var pictures = Path.Combine(folder, "pictures");
        var (code, output, error) = await CliTestEnvironment.RunAsync("bench", "fit-expression", "--images", Path.Combine(folder, "photos"), "--iterations", "4",
            "--weight", "pose-iterations=40", "--weight", "shape-iterations=40", "--pictures", pictures);
        Assert.True(code == 0, error + output);
        // Human's emotion net reads sample6 as happy (0.94 in Node); the row names the photo and the three readings.
        var row = output.Split('\n').Single(l => l.StartsWith("smiling/face.jpg", StringComparison.Ordinal));
        Assert.Contains("happy", row, StringComparison.Ordinal);
        Assert.Contains("broken.jpg", output, StringComparison.Ordinal);
        Assert.Contains("fit reads as the photo: ", output, StringComparison.Ordinal);
        Assert.Contains("/1; without its expression: ", output, StringComparison.Ordinal);
        Assert.True(new FileInfo(Path.Combine(pictures, "fit-expression.png")).Length > 10_000);
    }
}
