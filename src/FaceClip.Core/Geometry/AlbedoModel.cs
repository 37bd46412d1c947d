namespace FaceClip.Core.Geometry;

/// <summary>
/// A principled albedo model for a face model without one (ICT-FaceKit has none): a mean albedo per region (skin,
/// sclera, iris, teeth, gums, lashes) plus a smooth basis over the skin's UV layout. Basis functions are products of a
/// 2D cosine (DCT-II) function of (u, v), <c>cos(πpu)·cos(πqv)</c>, and one of three orthonormal colour directions
/// (luminance, red-versus-green/blue, green-versus-blue). Each has standard deviation
/// <c>s_colour / (1 + sqrt(p²+q²))²</c>; the basis keeps the highest-variance combinations and is pre-scaled by its
/// standard deviation, so codes are ~N(0,1) like the identity codes. Eyes, teeth, gums and lashes keep their mean.
/// </summary>
public static class AlbedoModel
{
    /// <summary>Mean skin albedo (display RGB in [0,1]).</summary>
    public static readonly float[] Skin = [0.80f, 0.60f, 0.50f];

    /// <summary>Colour directions and their standard deviations: luminance, redness, yellowness.</summary>
    private static readonly (float[] Axis, float Sigma)[] ColourAxes =
    [
        ([0.57735f, 0.57735f, 0.57735f], 0.10f),
        ([0.81650f, -0.40825f, -0.40825f], 0.05f),
        ([0f, 0.70711f, -0.70711f], 0.04f),
    ];

    /// <summary>Radius (cm) of the iris and pupil painted on ICT's iris meshes, which cover the whole visible eyeball.</summary>
    public const float IrisRadius = 0.6f;

    public const float PupilRadius = 0.22f;

    /// <summary>
    /// Mean albedo per vertex, [V*3], by the region of the first triangle that uses the vertex. ICT's "iris" meshes
    /// are the front of the eyeball (their texture holds sclera, iris and pupil), so they are painted by distance from
    /// the eye's axis: pupil, iris, then sclera.
    /// </summary>
    public static float[] MeanAlbedo(FaceModelData data)
    {
        var eyeCentres = new Dictionary<FaceRegion, (double X, double Y)>();
        foreach (var eye in new[] { FaceRegion.IrisLeft, FaceRegion.IrisRight })
        {
            var vertices = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r == eye)).Distinct().ToArray();
            if (vertices.Length > 0)
            {
                eyeCentres[eye] = (vertices.Average(v => data.Neutral[v * 3]), vertices.Average(v => data.Neutral[v * 3 + 1]));
            }
        }

        // The mouth's inside is shaded by the lips and cheeks: teeth, gums and tongue darken with depth behind the front
        // teeth (a baked ambient occlusion), so the back teeth do not shine through parted lips as bright as the incisors.
        var mouthFront = data.VerticesOfTriangles(data.TriangleIdsWhere(r => r is FaceRegion.Teeth)).Select(v => data.Neutral[(v * 3) + 2]).DefaultIfEmpty(0f).Max();
        var mean = new float[data.VertexCount * 3];
        var seen = new bool[data.VertexCount];
        for (var i = 0; i < data.Triangles.Length; i++)
        {
            var v = data.Triangles[i];
            if (seen[v])
            {
                continue;
            }

            seen[v] = true;
            var region = data.TriangleRegions[i / 3];
            var c = RegionColour(region);
            if (eyeCentres.TryGetValue(region, out var centre))
            {
                var radius = Math.Sqrt(Math.Pow(data.Neutral[v * 3] - centre.X, 2) + Math.Pow(data.Neutral[v * 3 + 1] - centre.Y, 2));
                c = radius < PupilRadius ? [0.03f, 0.03f, 0.03f] : radius < IrisRadius ? c : RegionColour(FaceRegion.ScleraLeft);
            }

            var shade = region is FaceRegion.Teeth or FaceRegion.GumsTongue ? MouthOcclusion(mouthFront - data.Neutral[(v * 3) + 2]) : 1f;
            mean[v * 3] = c[0] * shade;
            mean[v * 3 + 1] = c[1] * shade;
            mean[v * 3 + 2] = c[2] * shade;
        }

        return mean;
    }

    /// <summary>Depth (cm) behind the front teeth over which the mouth's inside darkens by 1/e towards <see cref="MouthFloor"/>.</summary>
    public const float MouthOcclusionDepth = 1.2f;

    /// <summary>The darkest the mouth's inside gets (a share of its albedo).</summary>
    public const float MouthFloor = 0.3f;

    /// <summary>How much light reaches a point of the mouth's inside <paramref name="depth"/> cm behind the front teeth
    /// (1 at the front, falling to <see cref="MouthFloor"/>).</summary>
    public static float MouthOcclusion(float depth) => MouthFloor + ((1 - MouthFloor) * MathF.Exp(-Math.Max(depth, 0) / MouthOcclusionDepth));

    /// <summary>The region's mean albedo.</summary>
    public static float[] RegionColour(FaceRegion region) => region switch
    {
        FaceRegion.Face or FaceRegion.BackHead => Skin,
        // The sclera as photos show it: shaded by the lids and lashes (what ICT's transparent eye-occlusion overlay
        // does), not paper white, which reads as a stare.
        FaceRegion.ScleraLeft or FaceRegion.ScleraRight => [0.68f, 0.64f, 0.60f],
        FaceRegion.IrisLeft or FaceRegion.IrisRight => [0.24f, 0.16f, 0.10f],
        FaceRegion.Teeth => [0.88f, 0.85f, 0.76f],
        FaceRegion.GumsTongue => [0.65f, 0.30f, 0.30f],
        FaceRegion.EyeLashes => [0.10f, 0.08f, 0.07f],
        _ => [0.5f, 0.5f, 0.5f],
    };

    /// <summary>The (p, q, colour axis) triples of the first <paramref name="count"/> modes, by decreasing variance.</summary>
    public static IReadOnlyList<(int P, int Q, int Axis, float Sigma)> Modes(int count)
    {
        var all = new List<(int P, int Q, int Axis, float Sigma)>();
        for (var p = 0; p <= 16; p++)
        {
            for (var q = 0; q <= 16; q++)
            {
                for (var a = 0; a < ColourAxes.Length; a++)
                {
                    var f = 1 + Math.Sqrt(p * p + q * q);
                    all.Add((p, q, a, (float)(ColourAxes[a].Sigma / (f * f))));
                }
            }
        }

        return all.OrderByDescending(m => m.Sigma).ThenBy(m => m.P + m.Q).ThenBy(m => m.P).ThenBy(m => m.Axis).Take(count).ToList();
    }

    /// <summary>The basis, [count, V*3], row m = mode m scaled by its standard deviation; zero off the skin.</summary>
    public static float[] Basis(FaceModelData data, int count)
    {
        var modes = Modes(count);
        var uv = data.VertexUvs();
        var skin = new bool[data.VertexCount];
        for (var i = 0; i < data.Triangles.Length; i++)
        {
            if (data.TriangleRegions[i / 3] is FaceRegion.Face or FaceRegion.BackHead)
            {
                skin[data.Triangles[i]] = true;
            }
        }

        var stride = data.VertexCount * 3;
        var basis = new float[modes.Count * stride];
        for (var m = 0; m < modes.Count; m++)
        {
            var (p, q, a, sigma) = modes[m];
            var axis = ColourAxes[a].Axis;
            for (var v = 0; v < data.VertexCount; v++)
            {
                if (!skin[v])
                {
                    continue;
                }

                var phi = (float)(Math.Cos(Math.PI * p * uv[v * 2]) * Math.Cos(Math.PI * q * uv[v * 2 + 1])) * sigma;
                basis[m * stride + v * 3] = phi * axis[0];
                basis[m * stride + v * 3 + 1] = phi * axis[1];
                basis[m * stride + v * 3 + 2] = phi * axis[2];
            }
        }

        return basis;
    }
}
