using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>What <see cref="MeshRenderer.Render"/> produces. Images are NCHW; zero where nothing is drawn.</summary>
/// <param name="Image">[B, 3, H, W] shaded colour.</param>
/// <param name="Mask">[B, 1, H, W] coverage (1 where a triangle is visible; not differentiable).</param>
/// <param name="Depth">[B, 1, H, W] camera depth (distance along the view axis).</param>
/// <param name="Normals">[B, 3, H, W] unit camera-space normals (+z towards the camera).</param>
/// <param name="Albedo">[B, 3, H, W] unshaded albedo.</param>
/// <param name="Fragments">The visibility pass (triangle per covered pixel).</param>
public sealed record RenderOutput(Tensor Image, Tensor Mask, Tensor Depth, Tensor Normals, Tensor Albedo, RasterFragments Fragments);
