using FaceClip.Core.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>What <see cref="FaceCodeRenderer.Render"/> computed, all differentiable with respect to the codes.</summary>
/// <param name="Output">The rendered images.</param>
/// <param name="Codes">The split codes.</param>
/// <param name="Shape">[B, V, 3] model-frame shape (before pose).</param>
/// <param name="Albedo">[B, V, 3] per-vertex albedo.</param>
/// <param name="CameraVertices">[B, V, 3] camera-space vertices.</param>
/// <param name="Landmarks">[B, 68, 2] projected landmarks in pixels (x right, y down).</param>
public sealed record FaceRender(RenderOutput Output, FaceCodes Codes, Tensor Shape, Tensor Albedo, Tensor CameraVertices, Tensor Landmarks);
