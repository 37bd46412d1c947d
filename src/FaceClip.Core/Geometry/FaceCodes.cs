using TorchSharp;

namespace FaceClip.Core.Geometry;

/// <summary>A batch of codes split into their parts (views of the code tensor, so gradients flow back).</summary>
/// <param name="Shape">α, [B, 80]: identity weights, ~N(0,1).</param>
/// <param name="Expression">β, [B, 53]: blendshape weights, meaningful in [0,1].</param>
/// <param name="Texture">t, [B, 80]: albedo basis weights, ~N(0,1).</param>
/// <param name="Rotation">[B, 3]: Euler angles (x, y, z) in radians, R = Rz·Ry·Rx.</param>
/// <param name="Translation">[B, 3]: translation in cm, applied after rotation.</param>
/// <param name="Lighting">l, [B, 27]: SH coefficients, channel-major (R0..R8, G0..G8, B0..B8), added to an ambient 0.8.</param>
public sealed record FaceCodes(
    torch.Tensor Shape,
    torch.Tensor Expression,
    torch.Tensor Texture,
    torch.Tensor Rotation,
    torch.Tensor Translation,
    torch.Tensor Lighting);
