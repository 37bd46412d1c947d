using FaceClip.TestSupport;

namespace FaceClip.Cli.Tests.Commands;

public sealed class SynthCommandTests
{
    [Fact]
    public async Task SynthWritesACorpusItsSheetAndItsRateAndContinuesIt()
    {
        using var cleanup = TempFolder.Create("faceclip-cli-synth-", out var folder);
        var corpus = Path.Combine(folder, "corpus");
        var sheet = Path.Combine(folder, "sheet.png");
        var (code, output, error) = await CliTestEnvironment.RunAsync("synth", "--out", corpus, "--count", "2", "--size", "96", "--supersampling", "1", "--sheet", sheet);
        Assert.True(code == 0, error + output);
        Assert.Contains("2 faces (2 written now, 0 there before)", output, StringComparison.Ordinal);
        Assert.Contains("faces/s (50,000 faces: ", output, StringComparison.Ordinal);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(corpus, "labels.jsonl")).Length);
        Assert.True(File.Exists(Path.Combine(corpus, "images", "000001.jpg")));
        Assert.True(new FileInfo(sheet).Length > 10_000);

        (code, output, error) = await CliTestEnvironment.RunAsync("synth", "--out", corpus, "--count", "3", "--size", "96", "--supersampling", "1");
        Assert.True(code == 0, error + output);
        Assert.Contains("3 faces (1 written now, 2 there before)", output, StringComparison.Ordinal);

        // Other settings into the same folder, and nonsense, are refused with a reason.
        (code, _, error) = await CliTestEnvironment.RunAsync("synth", "--out", corpus, "--count", "3", "--size", "128");
        Assert.Equal(2, code);
        Assert.Contains("other settings", error, StringComparison.Ordinal);
        (code, _, error) = await CliTestEnvironment.RunAsync("synth", "--out", corpus, "--count", "0");
        Assert.Equal(2, code);
        Assert.Contains("--count must be at least 1", error, StringComparison.Ordinal);
        (code, _, error) = await CliTestEnvironment.RunAsync("synth", "--out", corpus, "--occluders", "2");
        Assert.Equal(2, code);
        Assert.Contains("occluder chance", error, StringComparison.Ordinal);
    }
}
