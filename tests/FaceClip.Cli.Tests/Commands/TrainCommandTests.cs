using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;

namespace FaceClip.Cli.Tests.Commands;

public sealed class TrainCommandTests
{
    private static string Sample(int i) => TestSupport.SharedAssets.SamplePhoto(i);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task TrainsOnAFolderAndWritesWeightsLogAndCheckpoint()
    {
        var folder = Directory.CreateTempSubdirectory("faceclip-train-cli-").FullName;
        try
        {
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
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task BadFoldersAndOptionsAreUserErrors()
    {
        var empty = Directory.CreateTempSubdirectory("faceclip-train-empty-").FullName;
        try
        {
            var (missing, _, missingErr) = await Run("train", "--images", Path.Combine(empty, "nope"), "--out", Path.Combine(empty, "r.safetensors"));
            Assert.Equal(FaceClipCommand.UserError, missing);
            Assert.Contains("no such folder", missingErr, StringComparison.Ordinal);
            var (none, _, noneErr) = await Run("train", "--images", empty, "--out", Path.Combine(empty, "r.safetensors"));
            Assert.Equal(FaceClipCommand.UserError, none);
            Assert.Contains("No photos", noneErr, StringComparison.Ordinal);
            var (zero, _, zeroErr) = await Run("train", "--images", empty, "--batches", "0");
            Assert.Equal(FaceClipCommand.UserError, zero);
            Assert.StartsWith("error: ", zeroErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
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
