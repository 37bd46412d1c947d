using System.Text.Json;
using FaceClip.Core.Runtime;
using FaceClip.TestSupport;

namespace FaceClip.Cli.Tests.Commands;

public sealed class TransferCommandTests
{
    private static string Sample(int i) => TestSupport.SharedAssets.SamplePhoto(i);

    private static Task<(int Code, string Out, string Err)> Run(params string[] args) => CliTestEnvironment.RunAsync(args);

    [Fact]
    public async Task APromptTheEmbeddedCriticCannotReadIsAUserErrorWithTheNearestAndWhatToTry()
    {
        var (code, _, err) = await Run("transfer", Sample(2), "--prompt", "smile", "--prompt", "a purple elephant", "--out", Path.GetTempPath(), "--critic", "face");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("a purple elephant", err, StringComparison.Ordinal);
        Assert.Contains("closest", err, StringComparison.Ordinal);
        Assert.Contains("surprised", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromptsPrintsHowEachPromptIsReadAndFailsOnOneItCannotRead()
    {
        var (code, output, _) = await Run("prompts", "wink with your right eye", "on the verge of tears");
        Assert.Equal(0, code);
        Assert.Contains("\"wink with your right eye\": wink right; one-sided", output, StringComparison.Ordinal);
        Assert.Contains("eyeBlink_R 1.00", output, StringComparison.Ordinal);
        Assert.Contains("\"on the verge of tears\": sad", output, StringComparison.Ordinal);
        Assert.Contains("all-MiniLM-L6-v2", output, StringComparison.Ordinal);

        var (bad, text, _) = await Run("prompts", "a purple elephant", "--rank", "3");
        Assert.Equal(1, bad);
        Assert.Contains("closest", text, StringComparison.Ordinal);
        Assert.Contains("nearest:", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingInputsAndBadWeightsAreUserErrors()
    {
        var (code, _, err) = await Run("transfer", "/no/such/photo.jpg", "--prompt", "smile", "--out", Path.GetTempPath());
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("no such file", err, StringComparison.Ordinal);
        (code, _, err) = await Run("transfer", Sample(2), "--prompt", "smile", "--out", Path.GetTempPath(), "--weight", "wobble=1");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("Unknown loss", err, StringComparison.Ordinal);
        (code, _, err) = await Run("transfer", Sample(2), "--prompt", "smile", "--out", Path.GetTempPath(), "--mapper", "/no/such/mapper.safetensors");
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("mapper", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromParamsJsonWritesOneFolderPerPromptAndSavedMappersAreReusable()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-transfer-", out var folder);
        var fit = Path.Combine(folder, "fit");
        var (code, _, err) = await Run("reconstruct", Sample(2), "--out", fit, "--iterations", "2", "--device", "cpu");
        Assert.True(code == 0, err);
        var output = Path.Combine(folder, "out");
        var mapper = Path.Combine(folder, "mapper.safetensors");
        (code, var stdout, err) = await Run("transfer", Path.Combine(fit, "params.json"), "--photo", Sample(2), "--prompt", "a big smile", "--prompt", "very sad",
            "--out", output, "--iterations", "3", "--device", "cpu", "--save-mapper", mapper);
        Assert.True(code == 0, err);
        Assert.Contains("critic face", stdout, StringComparison.Ordinal);
        Assert.Contains("\"very sad\" (read as sad 1.00)", stdout, StringComparison.Ordinal);
        foreach (var slug in new[] { "a-big-smile", "very-sad" })
        {
            foreach (var name in new[] { "mesh.obj", "mesh.glb", "render.png", "overlay.png", "codes.json", "losses.json" })
            {
                Assert.True(File.Exists(Path.Combine(output, slug, name)), $"{slug}/{name}");
            }
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "transfer.json")));
        Assert.Equal("face", summary.RootElement.GetProperty("critic").GetString());
        Assert.True(File.Exists(Path.Combine(folder, "mapper.a-big-smile.safetensors")));
        Assert.True(File.Exists(Path.Combine(folder, "mapper.very-sad.safetensors")));

        (code, stdout, err) = await Run("transfer", Path.Combine(fit, "params.json"), "--prompt", "happy", "--out", Path.Combine(folder, "again"),
            "--iterations", "0", "--mapper", Path.Combine(folder, "mapper.a-big-smile.safetensors"), "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(folder, "again", "happy", "codes.json")));
        Assert.False(File.Exists(Path.Combine(folder, "again", "happy", "overlay.png"))); // no photo beside params.json, none given
    }

    [Fact]
    public async Task TheTransferBenchKeepsEachFitAndReusesItAndMappersTrainedAcrossFitsApplyThere()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-bench-transfer-", out var folder);
        var photos = Directory.CreateDirectory(Path.Combine(folder, "photos")).FullName;
        File.Copy(Sample(2), Path.Combine(photos, "face.jpg"));
        var fits = Path.Combine(folder, "fits");
        string[] args = ["bench", "transfer", "--images", photos, "--prompts", "happy", "--iterations", "2", "--fits", fits];
        var (code, stdout, err) = await Run(args);
        Assert.True(code == 0, err);
        var saved = Path.Combine(fits, "face", "params.json");
        Assert.True(File.Exists(saved), "the first run keeps the fit");
        Assert.True(File.Exists(Path.Combine(fits, "face", "texture.png")));
        Assert.Contains("face       happy", stdout, StringComparison.Ordinal);
        var written = File.GetLastWriteTimeUtc(saved);
        var bytes = File.ReadAllBytes(saved);

        (code, var again, err) = await Run(args);
        Assert.True(code == 0, err);
        Assert.Equal(written, File.GetLastWriteTimeUtc(saved)); // read, not fitted and written again
        Assert.Equal(bytes, File.ReadAllBytes(saved));
        // The same fit and seed give the same transfer.
        string Row(string output) => output.Split('\n').First(l => l.StartsWith("face       happy", StringComparison.Ordinal))[..60];
        Assert.Equal(Row(stdout), Row(again));

        // A mapper per prompt trained across the kept fits, then applied by the bench as it is.
        var mapper = Path.Combine(folder, "mappers", "mapper.safetensors");
        (code, var trained, err) = await Run("train-mapper", fits, "--photos", photos, "--prompt", "happy", "--prompt", "very sad", "--out", mapper,
            "--epochs", "1", "--iterations", "2", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("1 face(s) x 2 prompt(s)", trained, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "mappers", "mapper.happy.safetensors")));
        Assert.True(File.Exists(Path.Combine(folder, "mappers", "mapper.very-sad.safetensors")));
        (code, var applied, err) = await Run("bench", "transfer", "--images", photos, "--fits", fits, "--prompts", "happy", "very sad", "--iterations", "0", "--mapper", mapper);
        Assert.True(code == 0, err);
        Assert.Contains("face       very sad", applied, StringComparison.Ordinal);

        (code, _, err) = await Run("bench", "transfer", "--images", photos, "--fits", fits, "--prompts", "happy", "surprised", "--mapper", mapper);
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("mapper.surprised.safetensors", err, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "mappers", "junk.happy.safetensors"), "not a mapper");
        File.WriteAllText(Path.Combine(folder, "mappers", "junk.surprised.safetensors"), "not a mapper");
        (code, _, err) = await Run("bench", "transfer", "--images", photos, "--fits", fits, "--prompts", "happy", "surprised",
            "--mapper", Path.Combine(folder, "mappers", "junk.safetensors"));
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("Cannot use the mapper", err, StringComparison.Ordinal);
        (code, _, err) = await Run("train-mapper", Path.Combine(folder, "nothing-here"), "--prompt", "happy", "--out", mapper);
        Assert.Equal(FaceClipCommand.UserError, code);
        Assert.Contains("no such file or folder", err, StringComparison.Ordinal);
    }
}
