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
}
