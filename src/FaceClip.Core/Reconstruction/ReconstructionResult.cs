using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Reconstruction;

/// <summary>What a fit produced: the codes, the camera and crop, landmarks in photo pixels, the mesh in model space,
/// its UV texture and renders, the loss history and the quality measures.</summary>
public sealed record ReconstructionResult : IDisposable
{
    public string ModelId { get; init; } = "ict-facekit";
    public required FaceCodeLayout Layout { get; init; }

    /// <summary>The whole code vector [Layout.Total] (shape, expression, texture, rotation, translation, lighting).</summary>
    public required float[] Codes { get; init; }

    public required IReadOnlyList<string> ExpressionNames { get; init; }
    public required PerspectiveCamera Camera { get; init; }
    public required FaceCrop Crop { get; init; }
    public required int PhotoWidth { get; init; }
    public required int PhotoHeight { get; init; }
    public required int FaceIndex { get; init; }
    public required int FaceCount { get; init; }
    public required FaceBox FaceBox { get; init; }

    /// <summary>The fitted model's 68 landmarks projected into the photo (pixels).</summary>
    public required (float X, float Y)[] Landmarks2d { get; init; }

    /// <summary>The 68 landmarks the detector found (pixels).</summary>
    public required (float X, float Y)[] DetectedLandmarks2d { get; init; }

    /// <summary>Per-iteration weighted loss terms with the stage name.</summary>
    public required IReadOnlyList<(OptimisationStage Stage, IReadOnlyDictionary<string, double> Losses)> LossHistory { get; init; }

    public required CriticKind Critic { get; init; }
    public required string CriticDescription { get; init; }

    /// <summary>Where the fit started: <c>regressor</c> (the parameter regressor's prediction) or <c>landmarks</c>
    /// (zero codes placed from the detected landmarks).</summary>
    public FitInitialiser Initialiser { get; init; } = FitInitialiser.Landmarks;

    /// <summary>Optimisation steps skipped because their gradient was not finite.</summary>
    public int SkippedSteps { get; init; }
    public required string Device { get; init; }

    /// <summary>Seconds per stage and in total.</summary>
    public required IReadOnlyDictionary<string, double> Timings { get; init; }

    /// <summary>The whole code vector (as <see cref="Codes"/>) as each optimisation stage left it: what the
    /// landmark-only stages reached before the photometric stage, for instance.</summary>
    public IReadOnlyDictionary<OptimisationStage, float[]> StageCodes { get; init; } = new Dictionary<OptimisationStage, float[]>();

    /// <summary>Unposed vertex positions (identity and expression applied), model units, V*3.</summary>
    public required float[] Vertices { get; init; }

    /// <summary>Posed vertex positions (the fitted rotation and translation applied), V*3.</summary>
    public required float[] PosedVertices { get; init; }

    /// <summary>Per-vertex albedo in [0, 1], V*3.</summary>
    public required float[] VertexColors { get; init; }

    /// <summary>The mesh to export: the identity shape with the 53 expressions as morph targets, the UV atlas, and
    /// the texture (the photo where the face was visible, the fitted albedo elsewhere).</summary>
    public required ExportMesh Mesh { get; init; }

    /// <summary>The fitted expression: one weight per morph target of <see cref="Mesh"/>.</summary>
    public required float[] ExpressionWeights { get; init; }

    public Image<Rgb24> Texture => Mesh.Texture!;

    /// <summary>The crop as rendered (shaded, textured, over a neutral background), PNG.</summary>
    public required byte[] RenderPng { get; init; }

    /// <summary>The render blended over the original photo, PNG.</summary>
    public required byte[] OverlayPng { get; init; }

    public required ReconstructionQuality Quality { get; init; }

    /// <summary>The detail pass's displacement map and its maps, when it ran (the meshes keep the fitted surface and
    /// carry the detail as normal and bump maps).</summary>
    public DetailResult? Details { get; init; }

    /// <summary>With <see cref="ReconstructionOptions.DenseDetailMesh"/>: the front face subdivided and displaced by the
    /// detail map, with the fitted expression, as geometry (<see cref="Geometry.FaceSubdivision"/>).</summary>
    public ExportMesh? DenseMesh { get; init; }

    public ReadOnlySpan<float> Slice(int offset, int length) => Codes.AsSpan(offset, length);

    public void Dispose() => Mesh.Texture?.Dispose();
}

/// <summary>How well the fit matches the photo.</summary>
/// <param name="LandmarkNme">Mean distance between fitted and detected landmarks over the outer-eye-corner distance.</param>
/// <param name="PhotometricError">Mean absolute colour error (0..1) on the rendered face region where the photo shows
/// skin (the pixels the photometric loss trusts: hair, glasses and hands over the face are left out).</param>
/// <param name="DescriptorDistance">Euclidean distance of face descriptors of photo crop and render (same person below 0.6).</param>
public sealed record ReconstructionQuality(double LandmarkNme, double PhotometricError, double DescriptorDistance)
{
    /// <summary>The same error over every rendered face pixel, occluders included.</summary>
    public double PhotometricErrorAllPixels { get; init; }

    /// <summary>Share of the rendered face region the skin measure covers.</summary>
    public double SkinCoverage { get; init; }
}

/// <summary>The geometric details of a fit: the displacement map along the normals over the face's UV tile.</summary>
/// <param name="DisplacementPng">16-bit greyscale PNG; black is <paramref name="Low"/> cm, white <paramref name="High"/> cm.</param>
/// <param name="Low">Centimetres at grey level 0.</param>
/// <param name="High">Centimetres at grey level 65535.</param>
/// <param name="Resolution">Side of the map in texels.</param>
/// <param name="Iterations">Iterations the pass ran.</param>
/// <param name="MaxDisplacement">Largest |displacement| over the skin the map reaches, cm.</param>
/// <param name="MeanDisplacement">Mean |displacement| over the skin the map reaches, cm.</param>
public sealed record DetailResult(byte[] DisplacementPng, float Low, float High, int Resolution, int Iterations, float MaxDisplacement, float MeanDisplacement)
{
    /// <summary>The tangent-space normal map over the face's UV tile, [3, R, R] row-major, components in [-1, 1]
    /// (<see cref="DisplacementMap.TangentSpaceNormals"/>); empty when not computed.</summary>
    public float[] TangentNormals { get; init; } = [];

    /// <summary>The displacement map itself, R × R cm (row 0 is v = 1); empty when not computed.</summary>
    public float[] Displacement { get; init; } = [];

    /// <summary>The photometric error in a fine band (<see cref="Evaluation.BandError"/>) on the skin, without the
    /// details and with them.</summary>
    public float BandErrorWithout { get; init; }

    public float BandErrorWith { get; init; }
}
