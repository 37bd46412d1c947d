using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.TestSupport;

namespace FaceClip.Cli.Tests.Commands;

public sealed class TrainCommandTests
{
    private static string Sample(int i) => TestSupport.SharedAssets.SamplePhoto(i);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task TrainsOnAFolderAndWritesWeightsLogAndCheckpoint()
    {
        using var cleanup = TempFolder.Create("faceclip-train-cli-", out var folder);
        var photos = Directory.CreateDirectory(Path.Combine(folder, "photos")).FullName;
        File.Copy(Sample(2), Path.Combine(photos, "face.jpg"));
        var weights = Path.Combine(folder, "r.safetensors");
        var (code, output, err) = await Run("train", "--images", photos, "--out", weights, "--batches", "2", "--batch-size", "1",
            "--crop-size", "64", "--width", "32", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("from 1 photos", output, StringComparison.Ordinal);
        Assert.Contains("2 batches of 1", output, StringComparison.Ordinal);
        Assert.Contains("loss ", output, StringComparison.Ordinal);
        Assert.True(File.Exists(RegressorTrainer.CheckpointPath(weights)));
        Assert.Equal(3, File.ReadAllLines(RegressorTrainer.LogPath(weights)).Length);
        var metadata = Core.IO.SafeTensors.Load(weights, out var meta);
        foreach (var t in metadata.Values)
        {
            t.Dispose();
        }

        Assert.Equal("faceclip-regressor", meta["format"]);
        Assert.Contains("\"Width\":32", meta["config"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrainsOnASyntheticCorpusThenMixesItWithPhotos()
    {
        using var cleanup = TempFolder.Create("faceclip-train-synthetic-", out var folder);
        var corpus = Path.Combine(folder, "corpus");
        var (code, output, err) = await Run("synth", "--out", corpus, "--count", "10", "--size", "128", "--supersampling", "1");
        Assert.True(code == 0, err + output);
        var weights = Path.Combine(folder, "r.safetensors");
        (code, output, err) = await Run("train", "--synthetic", corpus, "--out", weights, "--synthetic-batches", "30", "--synthetic-batch-size", "8", "--device", "cpu");
        Assert.True(code == 0, err + output);
        Assert.Contains("10 synthetic faces", output, StringComparison.Ordinal);
        // The held-out faces' reprojection error, before and after: training on 9 faces moves it.
        var line = output.Split('\n').Single(l => l.StartsWith("held-out faces: points ", StringComparison.Ordinal));
        var figures = line["held-out faces: points ".Length..].Split(' ');
        Assert.NotEqual(figures[0], figures[2]);
        Assert.Equal(31, File.ReadAllLines(RegressorTrainer.LogPath(weights)).Length);
        Assert.True(File.Exists(weights));

        // With photos too: supervised first (its own file), then self-supervised batches each mixed with a synthetic one.
        var photos = Directory.CreateDirectory(Path.Combine(folder, "photos")).FullName;
        File.Copy(Sample(2), Path.Combine(photos, "face.jpg"));
        var mixed = Path.Combine(folder, "m.safetensors");
        (code, output, err) = await Run("train", "--synthetic", corpus, "--images", photos, "--out", mixed, "--synthetic-batches", "5", "--synthetic-batch-size", "4",
            "--batches", "2", "--batch-size", "1", "--crop-size", "64", "--device", "cpu");
        Assert.True(code == 0, err + output);
        Assert.Contains("each mixed with a synthetic batch", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "m.synthetic.safetensors")));
        var log = File.ReadAllLines(RegressorTrainer.LogPath(mixed));
        Assert.Equal(3, log.Length);
        var column = Array.IndexOf(log[0].Split(','), "synthetic");
        Assert.True(column > 0, log[0]);
        Assert.True(double.Parse(log[1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture) > 0, log[1]);
    }

    [Fact]
    public async Task BadFoldersAndOptionsAreUserErrors()
    {
        using var cleanup = TempFolder.Create("faceclip-train-empty-", out var empty);
        var (missing, _, missingErr) = await Run("train", "--images", Path.Combine(empty, "nope"), "--out", Path.Combine(empty, "r.safetensors"));
        Assert.Equal(FaceClipCommand.UserError, missing);
        Assert.Contains("no such folder", missingErr, StringComparison.Ordinal);
        var (none, _, noneErr) = await Run("train", "--images", empty, "--out", Path.Combine(empty, "r.safetensors"));
        Assert.Equal(FaceClipCommand.UserError, none);
        Assert.Contains("No photos", noneErr, StringComparison.Ordinal);
        var (zero, _, zeroErr) = await Run("train", "--images", empty, "--batches", "0");
        Assert.Equal(FaceClipCommand.UserError, zero);
        Assert.StartsWith("error: ", zeroErr, StringComparison.Ordinal);
        var (neither, _, neitherErr) = await Run("train", "--out", Path.Combine(empty, "r.safetensors"));
        Assert.Equal(FaceClipCommand.UserError, neither);
        Assert.Contains("--synthetic", neitherErr, StringComparison.Ordinal);
        var (notCorpus, _, notCorpusErr) = await Run("train", "--synthetic", empty, "--out", Path.Combine(empty, "r.safetensors"));
        Assert.Equal(FaceClipCommand.UserError, notCorpus);
        Assert.Contains("faceclip synth", notCorpusErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheRegressorBenchTimesInference()
    {
        var (code, output, err) = await Run("bench", "regressor", "--skip-ablation", "--fits", "0", "--runs", "1");
        Assert.True(code == 0, err);
        Assert.Contains("inference with branches batch  1", output, StringComparison.Ordinal);
        Assert.Contains("inference no branches   batch 16", output, StringComparison.Ordinal);
    }
}
