using System.Text.Json;

namespace FaceClip.Cli.Tests.Commands;

public sealed class SyntheticBenchCommandTests
{
    [Fact]
    public async Task TheSyntheticBenchFitsAFaceAndReportsItsErrorAgainstTheMeanFaceAndTheLandmarkStages()
    {
        var folder = Directory.CreateTempSubdirectory("faceclip-cli-synthetic-").FullName;
        try
        {
            var json = Path.Combine(folder, "figures.json");
            var (code, output, error) = await CliTestEnvironment.RunAsync("bench", "synthetic", "--faces", "2", "--only", "0", "--seed", "1", "--iterations", "4",
                "--weight", "pose-iterations=40", "--weight", "shape-iterations=40", "--pictures", folder, "--json", json);
            Assert.True(code == 0, error + output);
            Assert.Contains("fit / mean face", output);
            Assert.Contains("fit / landmark stages", output);
            Assert.True(File.Exists(Path.Combine(folder, "synthetic-photos.png")));
            Assert.True(File.Exists(Path.Combine(folder, "face-00.jpg")));

            using var figures = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var face = Assert.Single(figures.RootElement.EnumerateArray());
            Assert.Equal(0, face.GetProperty("Index").GetInt32());
            Assert.Equal(JsonValueKind.Null, face.GetProperty("Failure").ValueKind);
            foreach (var name in new[] { "FitMm", "MeanFaceMm", "LandmarkStagesMm", "ExpressionMm" })
            {
                Assert.InRange(face.GetProperty(name).GetDouble(), 0.05, 20);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task NoFacesIsAClearError()
    {
        var (code, _, error) = await CliTestEnvironment.RunAsync("bench", "synthetic", "--faces", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--faces must be at least 1", error);
    }
}
