namespace FaceClip.Core.Geometry;

/// <summary>The parts of the ICT-FaceKit head, one per material group of <c>generic_neutral_mesh.obj</c>.</summary>
public enum FaceRegion : byte
{
    /// <summary>M_Face: the face, forehead, ears and front of the neck (vertices 0-9408).</summary>
    Face,

    /// <summary>M_BackHead: back of the head and neck, mouth socket.</summary>
    BackHead,

    GumsTongue,
    Teeth,
    ScleraLeft,
    IrisLeft,
    ScleraRight,
    IrisRight,

    /// <summary>Transparent overlay over the eyes; never drawn opaque.</summary>
    LacrimalFluid,

    /// <summary>Transparent overlay over the eyes; never drawn opaque.</summary>
    EyeBlend,

    /// <summary>Transparent (shadowing) overlay over the eyes; never drawn opaque.</summary>
    EyeOcclusion,

    EyeLashes,
}
