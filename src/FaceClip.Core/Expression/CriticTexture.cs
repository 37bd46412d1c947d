namespace FaceClip.Core.Expression;

/// <summary>What the face the expression critic sees is drawn with (see <see cref="TransferOptions.CriticTexture"/>).</summary>
public enum CriticTexture
{
    /// <summary>The photo's baked texture on the brows, forehead and eyelids, the fitted albedo below.</summary>
    UpperFace,

    /// <summary>The fitted albedo everywhere.</summary>
    Albedo,

    /// <summary>The photo's baked texture everywhere.</summary>
    Photo,
}
