namespace FaceClip.Core.Clip;

/// <summary>The text tower's size: context length, vocabulary, transformer width, heads and layers.</summary>
public sealed record ClipTextConfig(int ContextLength, int VocabSize, int Width, int Heads, int Layers)
{
    /// <summary>OpenAI's text tower: 77 tokens, 49,408 vocabulary, 12 layers, 64-wide heads.</summary>
    public static ClipTextConfig OpenAi(int width) => new(77, 49408, width, width / 64, 12);
}
