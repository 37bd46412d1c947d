using System.Text.Json;
using FaceClip.TestSupport;

namespace FaceClip.Cli.Tests.Commands;

public sealed class SyntheticBenchCommandTests
{
    [Fact]
    public async Task TheSyntheticBenchFitsAFaceAndReportsItsErrorAgainstTheMeanFaceAndTheLandmarkStages()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-synthetic-", out var folder);
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

    [Fact]
    public async Task TheBenchStartsFromAGivenRegressorAndRefusesAMissingOne()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-synthetic-regressor-", out var folder);
        var corpus = Path.Combine(folder, "corpus");
        var weights = Path.Combine(folder, "r.safetensors");
        var (code, output, error) = await CliTestEnvironment.RunAsync("synth", "--out", corpus, "--count", "4", "--size", "128", "--supersampling", "1");
        Assert.True(code == 0, error + output);
        (code, output, error) = await CliTestEnvironment.RunAsync("train", "--synthetic", corpus, "--out", weights, "--synthetic-batches", "3", "--synthetic-batch-size", "2");
        Assert.True(code == 0, error + output);
        (code, output, error) = await CliTestEnvironment.RunAsync("bench", "synthetic", "--faces", "1", "--seed", "1", "--regressor", weights,
            "--iterations", "0", "--weight", "pose-iterations=0", "--weight", "shape-iterations=0");
        Assert.True(code == 0, error + output);
        Assert.Contains("initialiser regressor r.safetensors", output, StringComparison.Ordinal);
        Assert.Contains("fitted 1 of 1", output, StringComparison.Ordinal);

        (code, _, error) = await CliTestEnvironment.RunAsync("bench", "synthetic", "--faces", "1", "--regressor", Path.Combine(folder, "none.safetensors"));
        Assert.Equal(2, code);
        Assert.Contains("no such file", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoFacesIsAClearError()
    {
        var (code, _, error) = await CliTestEnvironment.RunAsync("bench", "synthetic", "--faces", "0");
        Assert.NotEqual(0, code);
        Assert.Contains("--faces must be at least 1", error);
    }
}
