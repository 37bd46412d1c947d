using static TorchSharp.torch;

namespace FaceClip.Core.Rendering;

/// <summary>
/// Lambertian shading under 2nd-order spherical-harmonic lighting (Ramamoorthi and Hanrahan 2001), with the basis,
/// constants and ambient default of Deep3DFaceRecon: colour = albedo · Σ_k γ_k·Y_k(n), where Y_k already folds in the
/// Lambertian kernel (a0 = π, a1 = 2π/√3, a2 = 2π/√8). Normals are in camera space with +z towards the camera.
/// </summary>
public static class SphericalHarmonics
{
    /// <summary>Added to the first (constant) coefficient of each channel, so zero lighting codes give soft white light.</summary>
    public const double AmbientOffset = 0.8;

    private static readonly double A0 = Math.PI;
    private static readonly double A1 = 2 * Math.PI / Math.Sqrt(3.0);
    private static readonly double A2 = 2 * Math.PI / Math.Sqrt(8.0);
    private static readonly double C0 = 1 / Math.Sqrt(4 * Math.PI);
    private static readonly double C1 = Math.Sqrt(3.0) / Math.Sqrt(4 * Math.PI);
    private static readonly double C2 = 3 * Math.Sqrt(5.0) / Math.Sqrt(12 * Math.PI);

    /// <summary>The 9 kernel-weighted SH basis values of unit normals [..., 3]: [..., 9].</summary>
    public static Tensor Basis(Tensor normals)
    {
        var x = normals.select(-1, 0);
        var y = normals.select(-1, 1);
        var z = normals.select(-1, 2);
        return stack(
        [
            ones_like(x) * (A0 * C0),
            y * (-A1 * C1),
            z * (A1 * C1),
            x * (-A1 * C1),
            x * y * (A2 * C2),
            y * z * (-A2 * C2),
            (z * z * 3 - 1) * (0.5 * A2 * C2 / Math.Sqrt(3.0)),
            x * z * (-A2 * C2),
            (x * x - y * y) * (0.5 * A2 * C2),
        ], -1);
    }

    /// <summary>
    /// Shades albedo [..., 3] with unit normals [..., 3] and lighting [..., 27] (broadcast against the others;
    /// channel-major: 9 coefficients for R, then G, then B). Returns [..., 3].
    /// </summary>
    public static Tensor Shade(Tensor albedo, Tensor normals, Tensor lighting) => albedo * Irradiance(normals, lighting);

    /// <summary>
    /// Irradiance [P, 3] of normals [P, 3] that come in consecutive runs per batch item (<paramref name="counts"/>[b]
    /// rows lit by <paramref name="lighting"/>[b], [B, 27]): one [n, 9] x [9, 3] product per batch item instead of a
    /// per-row gather of the 27 coefficients.
    /// </summary>
    public static Tensor IrradianceByRuns(Tensor normals, Tensor lighting, long[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var batch = lighting.shape[0];
        using var ambient = zeros(9, dtype: lighting.dtype, device: lighting.device);
        ambient[0] = AmbientOffset;
        var gamma = (lighting.view(batch, 3, 9) + ambient).transpose(1, 2);
        var basis = Basis(normals);
        if (batch == 1)
        {
            return basis.mm(gamma[0]);
        }

        var runs = basis.split(counts);
        return cat(runs.Select((run, b) => run.mm(gamma[b])).ToArray(), 0);
    }

    /// <summary>Lighting codes [<paramref name="batch"/>, 27] whose irradiance is exactly 1 for every normal: draws an
    /// albedo or texture as it is (a texture baked from a photo already carries the photo's light).</summary>
    public static Tensor UnlitCodes(int batch, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var codes = zeros(batch, 3, 9, dtype: dtype, device: device);
        codes.select(2, 0).fill_((1 / (A0 * C0)) - AmbientOffset);
        return codes.view(batch, 27);
    }

    /// <summary>The irradiance Σ_k γ_k·Y_k(n) per channel, [..., 3].</summary>
    public static Tensor Irradiance(Tensor normals, Tensor lighting)
    {
        var shape = lighting.shape[..^1].Concat(new long[] { 3, 9 }).ToArray();
        var gamma = lighting.reshape(shape);
        using var ambient = zeros(9, dtype: lighting.dtype, device: lighting.device);
        ambient[0] = AmbientOffset;
        var basis = Basis(normals).unsqueeze(-2);
        return ((gamma + ambient) * basis).sum(-1);
    }
}
