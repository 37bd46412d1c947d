using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Cli.Tests;

public sealed class ClipCommandTests
{
    private static string Fixtures => Path.Combine(TestSupport.SharedAssets.Fixtures, "clip-tiny");

    private static string Vocabulary => Path.Combine(CliTestEnvironment.SharedModels, "clip", "bpe_simple_vocab_16e6.txt.gz");

    private static Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => CliTestEnvironment.RunAsync(args);

    private static string WritePhoto()
    {
        var path = Path.Combine(Path.GetTempPath(), $"clip-cli-{Guid.NewGuid():N}.png");
        using var image = new Image<Rgb24>(90, 70);
        for (var y = 0; y < 70; y++)
        {
            for (var x = 0; x < 90; x++)
            {
                image[x, y] = new Rgb24((byte)(x * 2), (byte)(y * 3), 100);
            }
        }

        image.SaveAsPng(path);
        return path;
    }

    [Fact]
    public async Task ScorePrintsEmbeddingsAndTheCosineOfEachText()
    {
        var photo = WritePhoto();
        try
        {
            var (code, output, error) = await RunAsync("clip", "score", "--model", Path.Combine(Fixtures, "clip_tiny_vit.safetensors"),
                "--tokenizer", Vocabulary, "--image", photo, "--text", "a photo of a smiling face", "--text", "an angry face", "--json");
            Assert.True(code == 0, error);
            using var doc = JsonDocument.Parse(output);
            var image = doc.RootElement.GetProperty("image_embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            var texts = doc.RootElement.GetProperty("text_embeddings").EnumerateArray().Select(t => t.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            var cosine = doc.RootElement.GetProperty("cosine").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(32, image.Length);
            Assert.Equal(2, texts.Length);
            Assert.Equal(2, cosine.Length);
            for (var i = 0; i < 2; i++)
            {
                Assert.Equal(32, texts[i].Length);
                var expected = image.Zip(texts[i], (a, b) => a * b).Sum() / Math.Sqrt(image.Sum(a => a * a) * texts[i].Sum(b => b * b));
                Assert.Equal(expected, cosine[i], 4);
            }

            Assert.NotEqual(cosine[0], cosine[1]);
            Assert.True(image.Select(Math.Abs).Max() > 1.5); // not normalised
        }
        finally
        {
            File.Delete(photo);
        }
    }

    [Fact]
    public async Task ScoreReadsTorchScriptArchivesAndPrintsATable()
    {
        var photo = WritePhoto();
        try
        {
            var (code, output, error) = await RunAsync("clip", "score", "--model", Path.Combine(Fixtures, "clip_tiny_rn_openai_jit.pt"),
                "--tokenizer", Vocabulary, "--image", photo, "--text", "a diagram");
            Assert.True(code == 0, error);
            Assert.Contains("a diagram", output);
            Assert.Contains("ModifiedResNet", output);
        }
        finally
        {
            File.Delete(photo);
        }
    }

    [Fact]
    public async Task WithoutTheReleasedWeightsTheErrorNamesTheFileItsSourceAndTheFetchCommand()
    {
        var photo = WritePhoto();
        try
        {
            var (code, _, error) = await RunAsync("clip", "score", "--image", photo, "--text", "a face");
            Assert.Equal(FaceClipCommand.UserError, code);
            Assert.Contains("faceclip models fetch clip", error);
            Assert.Contains("ViT-B-32.pt", error);
            Assert.Contains("https://openaipublic.azureedge.net/clip/models/", error);
        }
        finally
        {
            File.Delete(photo);
        }
    }

    [Fact]
    public async Task AnImageTowerAloneCannotScoreTextAndBadFilesAreUserErrors()
    {
        var photo = WritePhoto();
        try
        {
            var (code, _, error) = await RunAsync("clip", "score", "--model", Path.Combine(Fixtures, "clip_tiny_rn.safetensors"),
                "--tokenizer", Vocabulary, "--image", photo, "--text", "a face");
            Assert.Equal(FaceClipCommand.UserError, code);
            Assert.Contains("image encoder only", error);

            (code, _, error) = await RunAsync("clip", "score", "--model", Vocabulary, "--tokenizer", Vocabulary, "--image", photo, "--text", "a face");
            Assert.Equal(FaceClipCommand.UserError, code);
            Assert.Contains("not a CLIP checkpoint", error);

            (code, _, error) = await RunAsync("clip", "score", "--model", Path.Combine(Fixtures, "clip_tiny_vit.safetensors"),
                "--tokenizer", Vocabulary, "--image", "/nonexistent.png", "--text", "a face");
            Assert.Equal(FaceClipCommand.UserError, code);
            Assert.Contains("Image not found", error);
        }
        finally
        {
            File.Delete(photo);
        }
    }

    [Fact]
    public async Task BenchClipPrintsMediansForEachTowerAndBatch()
    {
        // A tiny run (ViT-B/32 at batch 1, one timed run) keeps the test quick; the figures come from the real command.
        var (code, output, error) = await RunAsync("bench", "clip", "--model", "ViT-B/32", "--batch", "1", "--runs", "1", "--json");
        Assert.True(code == 0, error);
        using var doc = JsonDocument.Parse(output);
        var result = doc.RootElement.GetProperty("results").EnumerateArray().Single();
        Assert.Equal("ViT-B/32", result.GetProperty("model").GetString());
        Assert.Equal(224, result.GetProperty("resolution").GetInt32());
        Assert.True(result.GetProperty("forward_ms").GetDouble() > 0);
        Assert.True(result.GetProperty("forward_backward_ms").GetDouble() > 0);
        Assert.Equal(1, result.GetProperty("batch").GetInt32());
    }
}
