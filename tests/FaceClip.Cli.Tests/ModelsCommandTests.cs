using System.Text.Json;
using FaceClip.TestSupport;

namespace FaceClip.Cli.Tests;

public sealed class ModelsCommandTests
{
    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task StatusTableListsEveryAssetWithWhereItWasFound()
    {
        var (code, output, _) = await RunAsync("models", "status");
        Assert.Equal(0, code);
        Assert.Contains("Device: cpu", output);
        Assert.Matches(@"ict-facekit\s*│\s*yes\s*│\s*found\s*│\s*Mirror\s*│\s*sha256 ok", output);
        Assert.Matches(@"face-api\s*│\s*yes\s*│\s*found\s*│\s*NpmPackage", output);
        Assert.Matches(@"clip\s*│\s*optional\s*│\s*missing", output);
        Assert.Contains("clip: missing. Fix: faceclip models fetch clip", output);
    }

    [Fact]
    public async Task StatusJsonIsMachineReadable()
    {
        var (code, output, _) = await RunAsync("models", "status", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var assets = doc.RootElement.GetProperty("assets").EnumerateArray().ToDictionary(a => a.GetProperty("id").GetString()!);
        Assert.True(assets["ict-facekit"].GetProperty("found").GetBoolean());
        Assert.True(assets["ict-facekit"].GetProperty("verified").GetBoolean());
        Assert.False(assets["clip"].GetProperty("found").GetBoolean());
        Assert.StartsWith("cpu", doc.RootElement.GetProperty("device").GetString());
        Assert.True(doc.RootElement.GetProperty("threads").GetInt32() >= 1);
    }

    [Fact]
    public async Task FetchingAnUnknownAssetIsAUserErrorListingTheKnownOnes()
    {
        var (code, _, error) = await RunAsync("models", "fetch", "nope");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("No model asset 'nope'", error);
        Assert.Contains("ict-facekit", error);
    }

    [Fact]
    public async Task HashPrintsTheManifestsObjVertexChecksum()
    {
        var neutral = Path.Combine(CliTestEnvironment.SharedModels, "ict-facekit", "FaceXModel", "identity000.obj");
        var (code, output, _) = await RunAsync("models", "hash", neutral, "--check", "obj-vertices");
        Assert.Equal(0, code);
        var manifest = await File.ReadAllTextAsync(Path.Combine(CliTestEnvironment.RepositoryRoot, "models", "manifest.json"));
        Assert.Contains(output.Trim(), manifest);
        Assert.Equal(64, output.Trim().Length);
    }

    [Fact]
    public async Task BuildRegressorMakesACorpusThenTrainsOnIt_AndTheSameSeedGivesTheSameWeights()
    {
        using var cleanup = TempFolder.Create("faceclip-build-regressor-", out var folder);
        var corpus = Path.Combine(folder, "corpus");
        var weights = Path.Combine(folder, "r.safetensors");
        string[] args = ["models", "build-regressor", "--seed", "7", "--faces", "12", "--batches", "3", "--corpus", corpus, "--out", weights, "--device", "cpu"];
        var (code, output, err) = await RunAsync(args);
        Assert.True(code == 0, err + output);
        Assert.Equal(12, File.ReadAllLines(Path.Combine(corpus, "labels.jsonl")).Length);
        Assert.Contains("12 synthetic faces", output, StringComparison.Ordinal);
        Assert.Equal(4, File.ReadAllLines(Core.Reconstruction.RegressorTrainer.LogPath(weights)).Length);
        var sha = Core.Runtime.FileVerifier.ComputeSha256(weights, Core.Runtime.FileCheck.Bytes);
        Assert.Contains($"sha256 {sha} (the shipped weights are ", output, StringComparison.Ordinal);
        Assert.Contains("made with --seed 2000 --faces 10000", output, StringComparison.Ordinal);

        // Again from the same seed: the corpus is kept, the training repeats to the byte.
        File.Move(weights, weights + ".first");
        (code, output, err) = await RunAsync(args);
        Assert.True(code == 0, err + output);
        Assert.Contains("0 written now, 12 there before", output, StringComparison.Ordinal);
        Assert.Equal(sha, Core.Runtime.FileVerifier.ComputeSha256(weights, Core.Runtime.FileCheck.Bytes));
    }

    [Fact]
    public async Task StatusFindsTheShippedRegressorInTheCheckout()
    {
        var (code, output, _) = await RunAsync("models", "status", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        var regressor = doc.RootElement.GetProperty("assets").EnumerateArray().Single(a => a.GetProperty("id").GetString() == "regressor");
        Assert.True(regressor.GetProperty("found").GetBoolean());
        Assert.True(regressor.GetProperty("verified").GetBoolean());
        Assert.Equal("ModelsDirectory", regressor.GetProperty("location").GetString());
    }
}
