using FaceClip.Core.Geometry;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>
/// Known geometric detail for synthetic faces: a displacement map over the face's UV tile (cm, row 0 is v = 1, the
/// convention of <see cref="Reconstruction.DisplacementMap"/>) carrying grooves of random depth, width and placement
/// where faces wrinkle: forehead lines above the brows, crow's feet fanning from the outer eye corners, and nasolabial
/// folds from the nose wings past the mouth corners. Each groove is a Gaussian profile across a curve, faded in and
/// out along it; the places follow the model's landmarks in UV, the sizes are in centimetres on the mean face.
/// </summary>
public static class WrinkleMap
{
    /// <summary>A map of side <paramref name="resolution"/> with a random set of wrinkles; <paramref name="description"/>
    /// says which.</summary>
    public static float[] Draw(FaceModelData data, int resolution, Random random, out string description)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(random);
        var uvs = data.VertexUvs();
        (double U, double V) Uv(int landmark) => (uvs[2 * data.Landmarks[landmark]], uvs[(2 * data.Landmarks[landmark]) + 1]);
        double Cm(int a, int b)
        {
            double s = 0;
            for (var k = 0; k < 3; k++)
            {
                var d = data.Neutral[(3 * data.Landmarks[a]) + k] - data.Neutral[(3 * data.Landmarks[b]) + k];
                s += d * d;
            }

            return Math.Sqrt(s);
        }

        // UV units per centimetre, from the outer eye corners.
        var (r, l) = (Uv(36), Uv(45));
        var perCm = Math.Sqrt(((r.U - l.U) * (r.U - l.U)) + ((r.V - l.V) * (r.V - l.V))) / Cm(36, 45);
        var grooves = new List<Groove>();
        var parts = new List<string>();

        if (random.NextDouble() < 0.85)
        {
            // Forehead lines: 2-4 arcs above the brows, 0.8-1.2 cm apart.
            var browTop = Enumerable.Range(17, 10).Max(i => Uv(i).V);
            var (left, right) = (Math.Min(Uv(17).U, Uv(26).U), Math.Max(Uv(17).U, Uv(26).U));
            var centre = (left + right) / 2;
            var half = (right - left) / 2 * Uniform(random, 0.7, 0.95);
            var count = random.Next(2, 5);
            var start = Uniform(random, 1.0, 1.5) * perCm;
            var spacing = Uniform(random, 0.8, 1.2) * perCm;
            for (var k = 0; k < count; k++)
            {
                var v = browTop + start + (k * spacing);
                var arch = Uniform(random, -0.3, 0.6) * perCm;
                var shift = Uniform(random, -0.1, 0.1) * half;
                grooves.Add(new Groove(Curve(t => (centre + shift + ((2 * t) - 1) * half, v + (arch * (1 - (((2 * t) - 1) * ((2 * t) - 1)))))),
                    Uniform(random, 0.04, 0.10), Uniform(random, 0.10, 0.18) * perCm));
            }

            parts.Add($"{count} forehead lines");
        }

        if (random.NextDouble() < 0.75)
        {
            // Crow's feet: 2-4 lines fanning out from each outer eye corner.
            var count = random.Next(2, 5);
            foreach (var (corner, inner) in new[] { (36, 39), (45, 42) })
            {
                var (cu, cv) = Uv(corner);
                var (iu, _) = Uv(inner);
                var outward = Math.Sign(cu - iu);
                for (var k = 0; k < count; k++)
                {
                    var angle = (Uniform(random, -40, 40) * Math.PI) / 180;
                    var begin = Uniform(random, 0.35, 0.6) * perCm;
                    var length = Uniform(random, 0.7, 1.4) * perCm;
                    grooves.Add(new Groove(Curve(t => (cu + (outward * Math.Cos(angle) * (begin + (t * length))), cv + (Math.Sin(angle) * (begin + (t * length))))),
                        Uniform(random, 0.03, 0.06), Uniform(random, 0.07, 0.12) * perCm));
                }
            }

            parts.Add($"crow's feet ({count} a side)");
        }

        if (random.NextDouble() < 0.8)
        {
            // Nasolabial folds: from above the nose wing, bowing outwards, to below and beside the mouth corner.
            var depth = Uniform(random, 0.06, 0.15);
            var width = Uniform(random, 0.15, 0.3) * perCm;
            foreach (var (wing, mouth) in new[] { (31, 48), (35, 54) })
            {
                var (wu, wv) = Uv(wing);
                var (mu, mv) = Uv(mouth);
                var outward = Math.Sign(wu - Uv(33).U);
                var a = (U: wu + (outward * 0.35 * perCm), V: wv + (0.2 * perCm));
                var c = (U: mu + (outward * Uniform(random, 0.3, 0.6) * perCm), V: mv - (Uniform(random, 0.2, 0.6) * perCm));
                var bow = Uniform(random, 0.2, 0.5) * perCm;
                var b = (U: ((a.U + c.U) / 2) + (outward * bow), V: (a.V + c.V) / 2);
                grooves.Add(new Groove(Curve(t => (((1 - t) * (1 - t) * a.U) + (2 * (1 - t) * t * b.U) + (t * t * c.U), ((1 - t) * (1 - t) * a.V) + (2 * (1 - t) * t * b.V) + (t * t * c.V))),
                    depth * Uniform(random, 0.85, 1.15), width));
            }

            parts.Add("nasolabial folds");
        }

        description = parts.Count == 0 ? "none" : string.Join(", ", parts);
        return Paint(grooves, resolution);
    }

    /// <summary>A groove: a polyline in UV, its depth (cm) and its Gaussian half-width (UV units).</summary>
    private sealed record Groove((double U, double V)[] Points, double Depth, double Width);

    private static (double U, double V)[] Curve(Func<double, (double U, double V)> at) =>
        Enumerable.Range(0, 49).Select(i => at(i / 48.0)).ToArray();

    private static float[] Paint(IReadOnlyList<Groove> grooves, int resolution)
    {
        var map = new float[resolution * resolution];
        foreach (var groove in grooves)
        {
            var reach = 3 * groove.Width;
            var (minU, maxU) = (groove.Points.Min(p => p.U) - reach, groove.Points.Max(p => p.U) + reach);
            var (minV, maxV) = (groove.Points.Min(p => p.V) - reach, groove.Points.Max(p => p.V) + reach);
            var (x0, x1) = (Math.Max(0, (int)(minU * resolution)), Math.Min(resolution - 1, (int)(maxU * resolution) + 1));
            var (y0, y1) = (Math.Max(0, (int)((1 - maxV) * resolution)), Math.Min(resolution - 1, (int)((1 - minV) * resolution) + 1));
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    var (u, v) = ((x + 0.5) / resolution, 1 - ((y + 0.5) / resolution));
                    var (distance, along) = Nearest(groove.Points, u, v);
                    if (distance > reach)
                    {
                        continue;
                    }

                    // Faded in and out over the first and last fifth of the groove.
                    var fade = Math.Clamp(Math.Min(along, 1 - along) / 0.2, 0, 1);
                    fade = fade * fade * (3 - (2 * fade));
                    var profile = Math.Exp(-(distance * distance) / (2 * groove.Width * groove.Width));
                    map[(y * resolution) + x] = (float)Math.Min(map[(y * resolution) + x], -groove.Depth * profile * fade);
                }
            }
        }

        return map;
    }

    /// <summary>The distance from (u, v) to the polyline and where along it (0..1) the nearest point is.</summary>
    private static (double Distance, double Along) Nearest((double U, double V)[] points, double u, double v)
    {
        var best = double.MaxValue;
        var along = 0.0;
        for (var i = 0; i + 1 < points.Length; i++)
        {
            var (au, av) = points[i];
            var (du, dv) = (points[i + 1].U - au, points[i + 1].V - av);
            var length = (du * du) + (dv * dv);
            var t = length == 0 ? 0 : Math.Clamp((((u - au) * du) + ((v - av) * dv)) / length, 0, 1);
            var (pu, pv) = (au + (t * du) - u, av + (t * dv) - v);
            var d = (pu * pu) + (pv * pv);
            if (d < best)
            {
                best = d;
                along = (i + t) / (points.Length - 1);
            }
        }

        return (Math.Sqrt(best), along);
    }

    private static double Uniform(Random random, double low, double high) => low + ((high - low) * random.NextDouble());
}
