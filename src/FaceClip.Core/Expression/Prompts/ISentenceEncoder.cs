namespace FaceClip.Core.Expression.Prompts;

/// <summary>Turns sentences into embeddings whose cosine similarity measures how alike their meanings are.</summary>
public interface ISentenceEncoder
{
    /// <summary>The model, for messages and result files.</summary>
    string Name { get; }

    /// <summary>One embedding per sentence, in order.</summary>
    float[][] Encode(IReadOnlyList<string> sentences);
}
