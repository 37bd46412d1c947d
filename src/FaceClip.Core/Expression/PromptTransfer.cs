namespace FaceClip.Core.Expression;

/// <summary>One prompt's outcome: the new expression codes and mesh, the renders, what the expression net sees on the
/// optimised view and on a held-out view, and how far the identity moved.</summary>
public sealed record PromptTransfer
{
    public required string Prompt { get; init; }

    /// <summary>A file-name-safe form of the prompt (the output subfolder).</summary>
    public required string Slug { get; init; }

    /// <summary>The embedded critic's reading of the prompt; null with CLIP.</summary>
    public ExpressionTarget? Target { get; init; }

    /// <summary>The whole code vector with the new expression (identity, texture, pose and lighting unchanged).</summary>
    public required float[] Codes { get; init; }

    /// <summary>The new blendshape weights β' = clamp(β + Δβ, 0, 1).</summary>
    public required float[] Expression { get; init; }

    /// <summary>β' − β.</summary>
    public required float[] Delta { get; init; }

    /// <summary>Unposed vertices (identity and the new expression), V*3.</summary>
    public required float[] Vertices { get; init; }

    /// <summary>Posed vertices, V*3.</summary>
    public required float[] PosedVertices { get; init; }

    /// <summary>The whole head rendered (textured when the subject has a texture) over grey, PNG.</summary>
    public required byte[] RenderPng { get; init; }

    /// <summary>The model's 68 landmarks of the new expression in <see cref="RenderPng"/>'s pixels.</summary>
    public required IReadOnlyList<(float X, float Y)> RenderLandmarks { get; init; }

    /// <summary>The render composited over the photo crop, as the critic saw it, PNG.</summary>
    public required byte[] CompositePng { get; init; }

    /// <summary>The render blended over the whole photo, PNG; null without a photo.</summary>
    public byte[]? OverlayPng { get; init; }

    /// <summary>The expression net's probabilities on the optimised view (neutral, happy, sad, angry, fearful, disgusted, surprised).</summary>
    public required float[] Probabilities { get; init; }

    /// <summary>The same on a held-out view: the head turned by <see cref="TransferOptions.HeldOutYaw"/> and lit by the
    /// fitted light mirrored left-right — a view the optimisation never saw.</summary>
    public required float[] HeldOutProbabilities { get; init; }

    /// <summary>Face-descriptor distance between the subject's own render and this one (same view and light).</summary>
    public required double IdentityDistance { get; init; }

    /// <summary>Per-iteration loss terms for this prompt (critic, delta, sparsity, symmetry, range, prototype, antagonist, identity, total).</summary>
    public required IReadOnlyList<IReadOnlyDictionary<string, double>> LossHistory { get; init; }

    /// <summary>Mean |Δβ| over the blendshapes.</summary>
    public double MeanAbsoluteDelta => Delta.Select(Math.Abs).Average();
}
