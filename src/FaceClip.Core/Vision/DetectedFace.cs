namespace FaceClip.Core.Vision;

/// <summary>Everything the pipeline found about one face. Landmarks are the 68 iBUG points in image pixels (x, y).</summary>
public sealed record DetectedFace(
    FaceBox Box,
    float Score,
    IReadOnlyList<(float X, float Y)> Landmarks,
    float[] Descriptor,
    FaceExpressions Expressions)
{
    /// <summary>The box face-api crops for the descriptor (dlib-style, from eyes and mouth).</summary>
    public FaceBox DescriptorCrop { get; init; }

    /// <summary>The box face-api crops for the expression (landmark bounds padded by 20%).</summary>
    public FaceBox ExpressionCrop { get; init; }
}
