using static TorchSharp.torch;

namespace FaceClip.Core.Geometry;

/// <summary>
/// The layout of one coefficient vector, as in the paper (and Deep3DFaceRecon): shape α, expression β, texture t,
/// pose ρ (3 Euler angles in radians, then 3 translations in cm) and lighting l (27 = 3 colour channels x 9 SH
/// coefficients, channel-major). <c>[α | β | t | ρ_rot | ρ_trans | l]</c>.
/// </summary>
public sealed record FaceCodeLayout(int Shape = 80, int Expression = 53, int Texture = 80)
{
    public const int Rotation = 3;
    public const int Translation = 3;
    public const int Lighting = 27;

    public int ShapeOffset => 0;

    public int ExpressionOffset => Shape;

    public int TextureOffset => ExpressionOffset + Expression;

    public int RotationOffset => TextureOffset + Texture;

    public int TranslationOffset => RotationOffset + Rotation;

    public int LightingOffset => TranslationOffset + Translation;

    /// <summary>Length of the whole code vector (246 with the defaults).</summary>
    public int Total => LightingOffset + Lighting;

    /// <summary>Splits [B, Total] codes into views of their parts.</summary>
    public FaceCodes Split(Tensor codes)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.dim() != 2 || codes.shape[1] != Total)
        {
            throw new ArgumentException($"Codes must be [B, {Total}], got [{string.Join(", ", codes.shape)}].", nameof(codes));
        }

        return new FaceCodes(
            codes.narrow(1, ShapeOffset, Shape),
            codes.narrow(1, ExpressionOffset, Expression),
            codes.narrow(1, TextureOffset, Texture),
            codes.narrow(1, RotationOffset, Rotation),
            codes.narrow(1, TranslationOffset, Translation),
            codes.narrow(1, LightingOffset, Lighting));
    }
}
