using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using TorchSharp;

namespace FaceClip.Core.Clip;

/// <summary>
/// OpenAI CLIP's byte-level BPE tokenizer (<c>clip/simple_tokenizer.py</c>), reading either OpenAI's
/// <c>bpe_simple_vocab_16e6.txt.gz</c> or a Hugging Face <c>vocab.json</c> + <c>merges.txt</c> pair.
/// </summary>
/// <remarks>
/// Text clean-up follows the reference's <c>basic_clean</c> and <c>whitespace_clean</c> except for <c>ftfy.fix_text</c>,
/// which is not available here: the text is HTML-unescaped twice, stripped, runs of white space become one space,
/// and it is lower-cased. Text that ftfy would repair (mojibake, odd quotes composed of several code points) can
/// therefore tokenize differently from the reference; ordinary text, including accents and typographic quotes,
/// tokenizes identically.
/// </remarks>
public sealed partial class ClipTokenizer
{
    public const string StartToken = "<|startoftext|>";
    public const string EndToken = "<|endoftext|>";
    public const int DefaultContextLength = 77;

    private readonly Dictionary<string, int> _encoder;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly Dictionary<string, string> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheGate = new();
    private static readonly string[] ByteEncoder = BuildByteEncoder(out ByteAlphabetInReferenceOrder);
    private static readonly string[] ByteAlphabetInReferenceOrder;

    private ClipTokenizer(Dictionary<string, int> encoder, Dictionary<(string, string), int> ranks)
    {
        _encoder = encoder;
        _ranks = ranks;
        StartId = Id(StartToken);
        EndId = Id(EndToken);
        _cache[StartToken] = StartToken;
        _cache[EndToken] = EndToken;
    }

    public int StartId { get; }

    public int EndId { get; }

    public int VocabularySize => _encoder.Count;

    /// <summary>Loads a tokenizer: a <c>.txt.gz</c> (or plain <c>.txt</c>) merges file in OpenAI's format, a
    /// Hugging Face <c>vocab.json</c> (its <c>merges.txt</c> is expected beside it), or a folder holding either.</summary>
    public static ClipTokenizer Load(string path)
    {
        if (Directory.Exists(path))
        {
            var openai = Path.Combine(path, "bpe_simple_vocab_16e6.txt.gz");
            if (File.Exists(openai))
            {
                return FromOpenAiVocabulary(openai);
            }

            var vocab = Path.Combine(path, "vocab.json");
            if (File.Exists(vocab))
            {
                return FromHuggingFace(vocab, Path.Combine(path, "merges.txt"));
            }

            throw new FileNotFoundException($"{path}: no bpe_simple_vocab_16e6.txt.gz or vocab.json + merges.txt in this folder.");
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"CLIP tokenizer file not found: {path}", path);
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return FromHuggingFace(path, Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "merges.txt"));
        }

        return FromOpenAiVocabulary(path);
    }

    /// <summary>OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c>: the vocabulary is rebuilt from the byte alphabet and the
    /// first 48,894 merges exactly as the reference does.</summary>
    public static ClipTokenizer FromOpenAiVocabulary(string path)
    {
        string text;
        using (var file = File.OpenRead(path))
        {
            Stream stream = file;
            var magic = new byte[2];
            var read = file.Read(magic, 0, 2);
            file.Position = 0;
            if (read == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                stream = new GZipStream(file, CompressionMode.Decompress);
            }

            using var reader = new StreamReader(stream, Encoding.UTF8);
            text = reader.ReadToEnd();
        }

        var lines = text.Split('\n');
        const int mergeCount = 49152 - 256 - 2;
        if (lines.Length < mergeCount + 1)
        {
            throw new InvalidDataException($"{path}: expected at least {mergeCount} BPE merges, found {lines.Length - 1}.");
        }

        var merges = new List<(string, string)>(mergeCount);
        for (var i = 1; i <= mergeCount; i++)
        {
            merges.Add(ParseMerge(lines[i], path, i));
        }

        var vocab = new List<string>(49408);
        vocab.AddRange(ByteAlphabetInReferenceOrder);
        vocab.AddRange(ByteAlphabetInReferenceOrder.Select(v => v + "</w>"));
        vocab.AddRange(merges.Select(m => m.Item1 + m.Item2));
        vocab.Add(StartToken);
        vocab.Add(EndToken);
        var encoder = new Dictionary<string, int>(vocab.Count, StringComparer.Ordinal);
        for (var i = 0; i < vocab.Count; i++)
        {
            encoder[vocab[i]] = i;
        }

        return new ClipTokenizer(encoder, RankMerges(merges));
    }

    /// <summary>Hugging Face's <c>vocab.json</c> (token to id) and <c>merges.txt</c> (a <c>#version</c> line, then one
    /// merge per line, best first).</summary>
    public static ClipTokenizer FromHuggingFace(string vocabJsonPath, string mergesPath)
    {
        if (!File.Exists(mergesPath))
        {
            throw new FileNotFoundException($"The BPE merges file '{mergesPath}' that goes with '{vocabJsonPath}' was not found.", mergesPath);
        }

        var encoder = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabJsonPath))
                      ?? throw new InvalidDataException($"{vocabJsonPath}: empty vocabulary.");
        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Trim().Length == 0)
            {
                continue;
            }

            merges.Add(ParseMerge(line, mergesPath, lineNumber));
        }

        if (!encoder.ContainsKey(StartToken) || !encoder.ContainsKey(EndToken))
        {
            throw new InvalidDataException($"{vocabJsonPath}: the vocabulary lacks {StartToken} or {EndToken}; not a CLIP tokenizer.");
        }

        return new ClipTokenizer(new Dictionary<string, int>(encoder, StringComparer.Ordinal), RankMerges(merges));
    }

    /// <summary>BPE token ids of the cleaned text, without start and end tokens.</summary>
    public List<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var cleaned = WhitespaceClean(BasicClean(text)).ToLowerInvariant();
        foreach (Match match in TokenPattern().Matches(cleaned))
        {
            var bytes = Encoding.UTF8.GetBytes(match.Value);
            var sb = new StringBuilder(bytes.Length);
            foreach (var b in bytes)
            {
                sb.Append(ByteEncoder[b]);
            }

            foreach (var piece in Bpe(sb.ToString()).Split(' '))
            {
                ids.Add(Id(piece));
            }
        }

        return ids;
    }

    /// <summary><c>&lt;start&gt;</c> + ids + <c>&lt;end&gt;</c>, cut to <paramref name="contextLength"/> with the end
    /// token kept last when too long (the reference's <c>truncate=True</c>), not padded.</summary>
    public int[] EncodeWithSpecialTokens(string text, int contextLength = DefaultContextLength)
    {
        var ids = new List<int>(contextLength) { StartId };
        ids.AddRange(Encode(text));
        ids.Add(EndId);
        if (ids.Count > contextLength)
        {
            ids.RemoveRange(contextLength, ids.Count - contextLength);
            ids[^1] = EndId;
        }

        return ids.ToArray();
    }

    /// <summary>The reference's <c>clip.tokenize(texts, context_length, truncate=True)</c>: an int64 tensor
    /// [texts, contextLength], zero padded.</summary>
    public torch.Tensor Tokenize(IReadOnlyList<string> texts, int contextLength = DefaultContextLength)
    {
        var data = new long[texts.Count * contextLength];
        for (var i = 0; i < texts.Count; i++)
        {
            var ids = EncodeWithSpecialTokens(texts[i], contextLength);
            for (var j = 0; j < ids.Length; j++)
            {
                data[i * contextLength + j] = ids[j];
            }
        }

        return torch.tensor(data, new long[] { texts.Count, contextLength }, torch.int64);
    }

    /// <summary>The vocabulary entry of an id, in the byte-level alphabet (e.g. <c>face&lt;/w&gt;</c>).</summary>
    public string TokenOf(int id)
    {
        var decoder = _decoder ??= _encoder.ToDictionary(kv => kv.Value, kv => kv.Key);
        return decoder.TryGetValue(id, out var token) ? token : throw new ArgumentOutOfRangeException(nameof(id), id, "Not a token id of this vocabulary.");
    }

    /// <summary>Turns ids back into text (special tokens included as written, <c>&lt;/w&gt;</c> as spaces).</summary>
    public string Decode(IEnumerable<int> ids)
    {
        var decoder = _decoder ??= _encoder.ToDictionary(kv => kv.Value, kv => kv.Key);
        var byteDecoder = _byteDecoder ??= Enumerable.Range(0, 256).ToDictionary(b => ByteEncoder[b][0], b => (byte)b);
        var text = string.Concat(ids.Select(i => decoder[i]));
        var bytes = new List<byte>();
        var output = new StringBuilder();
        foreach (var ch in text.Replace("</w>", " "))
        {
            if (byteDecoder.TryGetValue(ch, out var b))
            {
                bytes.Add(b);
            }
            else
            {
                output.Append(Encoding.UTF8.GetString(bytes.ToArray()));
                bytes.Clear();
                output.Append(ch);
            }
        }

        output.Append(Encoding.UTF8.GetString(bytes.ToArray()));
        return output.ToString();
    }

    private Dictionary<int, string>? _decoder;
    private Dictionary<char, byte>? _byteDecoder;

    /// <summary>ftfy is not available: HTML entities are unescaped twice and the text is stripped.</summary>
    internal static string BasicClean(string text) => WebUtility.HtmlDecode(WebUtility.HtmlDecode(text)).Trim();

    internal static string WhitespaceClean(string text) => WhitespaceRun().Replace(text, " ").Trim();

    private int Id(string token) => _encoder.TryGetValue(token, out var id)
        ? id
        : throw new InvalidDataException($"Token '{token}' is not in the CLIP vocabulary (vocabulary and merges do not match).");

    private string Bpe(string token)
    {
        lock (_cacheGate)
        {
            if (_cache.TryGetValue(token, out var cached))
            {
                return cached;
            }
        }

        var word = new List<string>(token.Length);
        for (var i = 0; i < token.Length - 1; i++)
        {
            word.Add(token[i].ToString());
        }

        word.Add(token[^1] + "</w>");
        string result;
        if (word.Count == 1)
        {
            result = word[0];
        }
        else
        {
            while (word.Count > 1)
            {
                var bestRank = int.MaxValue;
                (string, string) best = default;
                for (var i = 0; i < word.Count - 1; i++)
                {
                    if (_ranks.TryGetValue((word[i], word[i + 1]), out var rank) && rank < bestRank)
                    {
                        bestRank = rank;
                        best = (word[i], word[i + 1]);
                    }
                }

                if (bestRank == int.MaxValue)
                {
                    break;
                }

                var merged = new List<string>(word.Count);
                for (var i = 0; i < word.Count;)
                {
                    if (i < word.Count - 1 && word[i] == best.Item1 && word[i + 1] == best.Item2)
                    {
                        merged.Add(best.Item1 + best.Item2);
                        i += 2;
                    }
                    else
                    {
                        merged.Add(word[i]);
                        i++;
                    }
                }

                word = merged;
            }

            result = string.Join(' ', word);
        }

        lock (_cacheGate)
        {
            if (_cache.Count < 100_000)
            {
                _cache[token] = result;
            }
        }

        return result;
    }

    private static (string, string) ParseMerge(string line, string path, int lineNumber)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            throw new InvalidDataException($"{path}:{lineNumber}: expected a BPE merge of two symbols, found '{line}'.");
        }

        return (parts[0], parts[1]);
    }

    private static Dictionary<(string, string), int> RankMerges(List<(string, string)> merges)
    {
        var ranks = new Dictionary<(string, string), int>(merges.Count);
        for (var i = 0; i < merges.Count; i++)
        {
            ranks.TryAdd(merges[i], i);
        }

        return ranks;
    }

    /// <summary>GPT-2's reversible byte-to-printable-character table.</summary>
    private static string[] BuildByteEncoder(out string[] referenceOrder)
    {
        var bs = new List<int>();
        bs.AddRange(Enumerable.Range('!', '~' - '!' + 1));
        bs.AddRange(Enumerable.Range('¡', '¬' - '¡' + 1));
        bs.AddRange(Enumerable.Range('®', 'ÿ' - '®' + 1));
        var cs = new List<int>(bs);
        var n = 0;
        for (var b = 0; b < 256; b++)
        {
            if (!bs.Contains(b))
            {
                bs.Add(b);
                cs.Add(256 + n);
                n++;
            }
        }

        var table = new string[256];
        referenceOrder = new string[256];
        for (var i = 0; i < bs.Count; i++)
        {
            table[bs[i]] = ((char)cs[i]).ToString();
            referenceOrder[i] = table[bs[i]];
        }

        return table;
    }

    [GeneratedRegex(@"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRun();
}
