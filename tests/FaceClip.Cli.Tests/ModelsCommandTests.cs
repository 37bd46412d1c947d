using System.Text.Json;

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
}
