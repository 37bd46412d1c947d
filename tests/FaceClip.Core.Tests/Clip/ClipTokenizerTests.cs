using System.Text.Json;
using FaceClip.Core.Clip;
using FaceClip.TestSupport;

namespace FaceClip.Core.Tests.Clip;

public sealed class ClipTokenizerTests
{
    private static readonly Lazy<ClipTokenizer> Shared = new(() =>
        ClipTokenizer.Load(Path.Combine(TestPaths.SharedModels, "clip", "bpe_simple_vocab_16e6.txt.gz")));

    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.ClipFixtures, "tokenizer_cases.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
        {
            yield return [c.GetProperty("text").GetString()!, c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray()];
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesOpenAisSimpleTokenizer(string text, int[] ids)
    {
        Assert.Equal(ids, Shared.Value.EncodeWithSpecialTokens(text));
    }

    [Fact]
    public void TheFixtureCoversTruncation()
    {
        var longest = Cases().Select(c => (int[])c[1]).MaxBy(ids => ids.Length)!;
        Assert.Equal(77, longest.Length);
        Assert.Equal(49407, longest[^1]);
    }

    [Fact]
    public void VocabularyAndSpecialTokensAreOpenAis()
    {
        var t = Shared.Value;
        Assert.Equal(49408, t.VocabularySize);
        Assert.Equal(49406, t.StartId);
        Assert.Equal(49407, t.EndId);
    }

    [Fact]
    public void TokenizeMakesZeroPaddedRowsOfTheContextLength()
    {
        using var tokens = Shared.Value.Tokenize(["a diagram", "an angry face"]);
        Assert.Equal(new long[] { 2, 77 }, tokens.shape);
        Assert.Equal(new long[] { 49406, 320, 22697, 49407, 0 }, tokens[0, ..5].data<long>().ToArray());
        Assert.Equal(4L, tokens[1].argmax().item<long>()); // the end token is the largest id: the text feature's position
    }

    [Fact]
    public void HtmlEntitiesAndWhitespaceAreCleanedAsTheReferenceDoes()
    {
        var t = Shared.Value;
        Assert.Equal(t.EncodeWithSpecialTokens("a photo & a face"), t.EncodeWithSpecialTokens("  A   Photo &amp;amp; a\tface \n"));
    }

    [Fact]
    public void DecodeInvertsEncode()
    {
        var t = Shared.Value;
        Assert.Equal("a smiling face ", t.Decode(t.Encode("A smiling  face")));
        Assert.Equal("café — “ quoted ” ", t.Decode(t.Encode("café — “quoted”"))); // the reference decodes punctuation as separate words too
    }

    [Fact]
    public void HuggingFaceVocabularyAndMergesGiveTheSameIds()
    {
        // Write the Hugging Face files from OpenAI's and check both readers agree.
        using var cleanup = TempFolder.Create("clip-hf-", out var dir);
        var openai = Shared.Value;
        var merges = ReadOpenAiMerges();
        File.WriteAllLines(Path.Combine(dir, "merges.txt"), ["#version: 0.2", .. merges]);
        var vocab = new Dictionary<string, int>();
        for (var id = 0; id < openai.VocabularySize; id++)
        {
            vocab[openai.TokenOf(id)] = id;
        }

        File.WriteAllText(Path.Combine(dir, "vocab.json"), JsonSerializer.Serialize(vocab));
        var hf = ClipTokenizer.Load(Path.Combine(dir, "vocab.json"));
        foreach (var c in Cases())
        {
            Assert.Equal((int[])c[1], hf.EncodeWithSpecialTokens((string)c[0]));
        }
    }

    [Fact]
    public void AFileThatIsNotAVocabularyIsRefused()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "hello\nworld\n");
            Assert.Throws<InvalidDataException>(() => ClipTokenizer.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static IEnumerable<string> ReadOpenAiMerges()
    {
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(TestPaths.SharedModels, "clip", "bpe_simple_vocab_16e6.txt.gz")), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd().Split('\n').Skip(1).Take(49152 - 256 - 2).ToList();
    }
}
