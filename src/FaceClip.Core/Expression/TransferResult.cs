using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;

namespace FaceClip.Core.Expression;

/// <summary>What a transfer request produced: one <see cref="PromptTransfer"/> per prompt, the subject's own render
/// and probabilities for comparison, the critic that ran, timings, and the optimised mappers, one per prompt in request
/// order (save one with <see cref="ExpressionMapper.Save"/>; the result owns and disposes them).</summary>
public sealed record TransferResult : IDisposable
{
    public required TransferSubject Subject { get; init; }

    public required IReadOnlyList<PromptTransfer> Prompts { get; init; }

    /// <summary><c>face</c> (embedded) or <c>clip</c>.</summary>
    public required CriticKind Critic { get; init; }

    public required string CriticDescription { get; init; }

    public required string Device { get; init; }

    /// <summary>The subject's own expression rendered like the prompts' renders, PNG.</summary>
    public required byte[] SourceRenderPng { get; init; }

    /// <summary>The model's 68 landmarks of the subject's own expression in <see cref="SourceRenderPng"/>'s pixels.</summary>
    public required IReadOnlyList<(float X, float Y)> SourceRenderLandmarks { get; init; }

    /// <summary>The subject's own expression over the photo crop, PNG.</summary>
    public required byte[] SourceCompositePng { get; init; }

    /// <summary>The expression net on the subject's own render (optimised view).</summary>
    public required float[] SourceProbabilities { get; init; }

    /// <summary>The same on the held-out view.</summary>
    public required float[] SourceHeldOutProbabilities { get; init; }

    /// <summary>The subject's own unposed vertices, V*3 (the start of each mesh's animation).</summary>
    public required float[] SourceVertices { get; init; }

    public required int Iterations { get; init; }

    /// <summary>Steps whose gradient was not finite and that were skipped (the mapper left as it was).</summary>
    public int SkippedSteps { get; init; }

    /// <summary>Seconds: setup, optimise, finish, total.</summary>
    public required IReadOnlyDictionary<string, double> Timings { get; init; }

    public required IReadOnlyList<ExpressionMapper> Mappers { get; init; }

    public FaceCodeLayout Layout => Subject.Layout;

    public void Dispose()
    {
        foreach (var m in Mappers)
        {
            m.Dispose();
        }
    }
}
