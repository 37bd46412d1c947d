namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>What kind of expression a synthetic face wears.</summary>
public enum SyntheticExpression
{
    /// <summary>No expression: every blendshape at 0.</summary>
    None,

    /// <summary>One of the FACS-style prototypes (happy, sad, angry, ...) at a random intensity.</summary>
    Prototype,

    /// <summary>A few random blendshapes at random levels.</summary>
    Mix,
}

/// <summary>
/// One synthetic face with everything known: identity code (N(0, 1) over the model's identity modes in use),
/// expression weights, head pose, the camera and the scene it is photographed in (light, skin, background, blur,
/// noise, JPEG quality). <see cref="SyntheticFaceGenerator"/> draws them; <see cref="ReferenceRenderer"/> photographs
/// them.
/// </summary>
public sealed record SyntheticFace
{
    public required int Index { get; init; }

    /// <summary>The face's own seed (skin detail, background crop, noise).</summary>
    public required int Seed { get; init; }

    /// <summary>Identity weights, one per identity mode in use.</summary>
    public required float[] Identity { get; init; }

    /// <summary>Expression weights in [0, 1], one per blendshape.</summary>
    public required float[] Expression { get; init; }

    public required SyntheticExpression ExpressionKind { get; init; }

    /// <summary>What the expression is: "none", the prototype's name, or the blendshapes of a mix.</summary>
    public required string ExpressionLabel { get; init; }

    /// <summary>Head rotation in degrees: yaw about the vertical axis (positive turns the face to the subject's
    /// left), pitch about the horizontal axis (positive looks up), roll about the viewing axis.</summary>
    public required double Yaw { get; init; }

    public required double Pitch { get; init; }

    public required double Roll { get; init; }

    /// <summary>Image size in pixels.</summary>
    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Focal length in pixels.</summary>
    public required double Focal { get; init; }

    /// <summary>Where the head's origin is in camera space (cm; x right, y up, the camera looking along -z).</summary>
    public required double[] Position { get; init; }

    /// <summary>Unit direction towards the key light, camera space.</summary>
    public required double[] LightDirection { get; init; }

    /// <summary>Key light and ambient strength (their sum near 1), and the light's colour tint.</summary>
    public required double KeyLight { get; init; }

    public required double Ambient { get; init; }

    public required double[] LightTint { get; init; }

    /// <summary>Base skin colour, linear 0..1 RGB, and the hair and brow colour.</summary>
    public required double[] Skin { get; init; }

    public required double[] Hair { get; init; }

    /// <summary>Lip colour.</summary>
    public required double[] Lips { get; init; }

    /// <summary>Iris colour.</summary>
    public required double[] Iris { get; init; }

    /// <summary>Gaussian blur (pixels, sigma), additive noise (grey levels, sigma) and JPEG quality of the photo.</summary>
    public required double Blur { get; init; }

    public required double Noise { get; init; }

    public required int JpegQuality { get; init; }

    /// <summary>What is held in front of the face (none in the benchmark's scene).</summary>
    public SyntheticOccluders Occluders { get; init; }
}
