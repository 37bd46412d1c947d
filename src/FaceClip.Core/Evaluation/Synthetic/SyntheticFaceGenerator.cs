using FaceClip.Core.Expression;
using FaceClip.Core.Geometry;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>
/// Draws synthetic faces from one seed: identity N(0, 1) over the identity modes in use; the expression in turn none,
/// a FACS-style prototype (<see cref="ExpressionPrototypes"/>) at intensity 0.6-1, or a random sparse mix of 2-5
/// blendshapes; yaw within ±45°, pitch ±20°, roll ±10°; a camera of 25-50° field of view with the face 30-50 % of the
/// frame wide; a key light from the front hemisphere with ambient light and a slight colour tint; skin, hair, lip and
/// iris colours from wide palettes; blur, noise and JPEG quality of everyday photos. The same seed gives the same faces.
/// </summary>
public sealed class SyntheticFaceGenerator
{
    private static readonly double[][] SkinTones =
    [
        [0.89, 0.74, 0.64], [0.80, 0.62, 0.50], [0.72, 0.54, 0.40], [0.60, 0.42, 0.30], [0.45, 0.30, 0.21], [0.33, 0.22, 0.16],
    ];

    private static readonly double[][] HairColours =
    [
        [0.05, 0.04, 0.04], [0.16, 0.10, 0.07], [0.32, 0.20, 0.11], [0.62, 0.50, 0.32], [0.50, 0.49, 0.48],
    ];

    private static readonly double[][] IrisColours =
    [
        [0.28, 0.16, 0.09], [0.28, 0.42, 0.58], [0.33, 0.42, 0.28], [0.10, 0.07, 0.05],
    ];

    private readonly FaceModelData _data;
    private readonly int _identityModes;
    private readonly SyntheticScene _scene;

    /// <param name="scene">Framing and occluders (default: the benchmark's, <see cref="SyntheticScene.Benchmark"/>).</param>
    public SyntheticFaceGenerator(FaceModelData data, int identityModes, SyntheticScene? scene = null)
    {
        _scene = scene ?? SyntheticScene.Benchmark;
        _scene.Validate();
        _data = data ?? throw new ArgumentNullException(nameof(data));
        if (identityModes < 1 || identityModes > data.IdentityCount)
        {
            throw new ArgumentOutOfRangeException(nameof(identityModes), $"The model has 1..{data.IdentityCount} identity modes.");
        }

        _identityModes = identityModes;
    }

    /// <summary>Faces 0 .. count-1 of <paramref name="seed"/>.</summary>
    public IReadOnlyList<SyntheticFace> Draw(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Stream(seed).Take(count).ToArray();
    }

    /// <summary>Faces 0, 1, 2, ... of <paramref name="seed"/>, drawn as they are read (the first N are
    /// <see cref="Draw"/>'s N).</summary>
    public IEnumerable<SyntheticFace> Stream(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; ; i++)
        {
            yield return Draw(i, random);
        }
    }

    private SyntheticFace Draw(int index, Random random)
    {
        var identity = Enumerable.Range(0, _identityModes).Select(_ => (float)Gaussian(random)).ToArray();
        var kind = (SyntheticExpression)(index % 3);
        var (expression, label) = DrawExpression(kind, random);
        var yaw = Uniform(random, -45, 45);
        var pitch = Uniform(random, -20, 20);
        var roll = Uniform(random, -10, 10);
        var size = 448 + (32 * random.Next(0, 7));
        size = _scene.ImageSize ?? size;
        var fieldOfView = Uniform(random, 25, 50) * Math.PI / 180;
        var focal = size / 2.0 / Math.Tan(fieldOfView / 2);
        var position = Aim(yaw, pitch, roll, focal, size, Uniform(random, _scene.FaceFraction.Min, _scene.FaceFraction.Max), Uniform(random, -0.08, 0.08), Uniform(random, -0.08, 0.08));
        var azimuth = Uniform(random, -60, 60) * Math.PI / 180;
        var elevation = Uniform(random, -10, 50) * Math.PI / 180;
        var light = new[] { Math.Sin(azimuth) * Math.Cos(elevation), Math.Sin(elevation), Math.Cos(azimuth) * Math.Cos(elevation) };
        var tint = Uniform(random, -0.08, 0.08);
        var skin = Jitter(SkinTones[random.Next(SkinTones.Length)], random, 0.03);
        var seed = random.Next();
        return new SyntheticFace
        {
            Index = index,
            Seed = seed,
            Identity = identity,
            Expression = expression,
            ExpressionKind = kind,
            ExpressionLabel = label,
            Yaw = yaw,
            Pitch = pitch,
            Roll = roll,
            Width = size,
            Height = size,
            Focal = focal,
            Position = position,
            LightDirection = light,
            KeyLight = Uniform(random, 0.55, 0.8),
            Ambient = Uniform(random, 0.25, 0.45),
            LightTint = [1 + tint, 1, 1 - tint],
            Skin = skin,
            Hair = Jitter(HairColours[random.Next(HairColours.Length)], random, 0.02),
            Lips = [skin[0] * Uniform(random, 0.80, 0.92), skin[1] * Uniform(random, 0.55, 0.68), skin[2] * Uniform(random, 0.58, 0.72)],
            Iris = IrisColours[random.Next(IrisColours.Length)],
            Blur = Uniform(random, 0, 1.2),
            Noise = Uniform(random, 0, 5),
            JpegQuality = random.Next(50, 96),
            Occluders = DrawOccluders(seed),
        };
    }

    /// <summary>The occluders of a face, from its own seed (the shared sequence, and so every other face, is the
    /// same with occluders as without).</summary>
    private SyntheticOccluders DrawOccluders(int seed)
    {
        if (_scene.OccluderChance <= 0)
        {
            return SyntheticOccluders.None;
        }

        var random = new Random(unchecked(seed * 31) + 7);
        if (random.NextDouble() >= _scene.OccluderChance)
        {
            return SyntheticOccluders.None;
        }

        SyntheticOccluders[] kinds = [SyntheticOccluders.Glasses, SyntheticOccluders.Hand, SyntheticOccluders.Hair];
        var result = kinds[random.Next(kinds.Length)];
        foreach (var kind in kinds)
        {
            if (random.NextDouble() < 0.2)
            {
                result |= kind;
            }
        }

        return result;
    }

    /// <summary>Where to put the head (camera space) so that the mean face, rotated, is <paramref name="faceFraction"/>
    /// of an image of side <paramref name="size"/> wide and its landmarks' centroid lies <paramref name="shiftX"/>,
    /// <paramref name="shiftY"/> (fractions of the side) from the image centre.</summary>
    public double[] Aim(double yaw, double pitch, double roll, double focal, int size, double faceFraction, double shiftX = 0, double shiftY = 0)
    {
        var distance = focal * FaceWidthCm() / (faceFraction * size);
        var centre = FaceCentre(yaw, pitch, roll);
        var scale = size * distance / focal;
        return [(shiftX * scale) - centre[0], (shiftY * scale) - centre[1], -distance - centre[2]];
    }

    /// <summary>The head's rotation matrix (row-major 3 x 3) for yaw, pitch and roll in degrees: R = Rz(roll)·Ry(yaw)·Rx(-pitch).</summary>
    public static double[] Rotation(double yaw, double pitch, double roll)
    {
        double a = -pitch * Math.PI / 180, b = yaw * Math.PI / 180, c = roll * Math.PI / 180;
        double[] rx = [1, 0, 0, 0, Math.Cos(a), -Math.Sin(a), 0, Math.Sin(a), Math.Cos(a)];
        double[] ry = [Math.Cos(b), 0, Math.Sin(b), 0, 1, 0, -Math.Sin(b), 0, Math.Cos(b)];
        double[] rz = [Math.Cos(c), -Math.Sin(c), 0, Math.Sin(c), Math.Cos(c), 0, 0, 0, 1];
        return Multiply(rz, Multiply(ry, rx));
    }

    /// <summary>The true unposed vertices, V*3: neutral + Σ identity·identity deltas + Σ expression·expression deltas.</summary>
    public static float[] Vertices(FaceModelData data, IReadOnlyList<float> identity, IReadOnlyList<float> expression)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(expression);
        var n = data.VertexCount * 3;
        var result = (float[])data.Neutral.Clone();
        for (var m = 0; m < identity.Count; m++)
        {
            Accumulate(result, data.IdentityDeltas, m * n, identity[m]);
        }

        for (var e = 0; e < expression.Count; e++)
        {
            Accumulate(result, data.ExpressionDeltas, e * n, expression[e]);
        }

        return result;
    }

    private static void Accumulate(float[] into, float[] deltas, int offset, float weight)
    {
        if (weight == 0)
        {
            return;
        }

        for (var i = 0; i < into.Length; i++)
        {
            into[i] += weight * deltas[offset + i];
        }
    }

    private (float[] Weights, string Label) DrawExpression(SyntheticExpression kind, Random random)
    {
        var names = _data.ExpressionNames;
        var weights = new float[names.Length];
        switch (kind)
        {
            case SyntheticExpression.Prototype:
                var prototypes = ExpressionPrototypes.Levels.Keys.Where(k => k != "neutral").Order(StringComparer.Ordinal).ToArray();
                var name = prototypes[random.Next(prototypes.Length)];
                var intensity = Uniform(random, 0.6, 1.0);
                for (var i = 0; i < names.Length; i++)
                {
                    if (ExpressionPrototypes.Levels[name].TryGetValue(Stem(names[i]), out var level))
                    {
                        weights[i] = (float)Math.Clamp(level * intensity, 0, 1);
                    }
                }

                return (weights, $"{name} {intensity:F2}");
            case SyntheticExpression.Mix:
                var stems = names.Select(Stem).Distinct().Order(StringComparer.Ordinal).ToArray();
                var picked = stems.OrderBy(_ => random.Next()).Take(random.Next(2, 6)).ToArray();
                foreach (var stem in picked)
                {
                    var value = (float)Uniform(random, 0.2, 0.8);
                    var symmetric = random.NextDouble() < 0.7;
                    var oneSide = random.Next(2) == 0 ? "_L" : "_R";
                    for (var i = 0; i < names.Length; i++)
                    {
                        if (Stem(names[i]) == stem && (symmetric || names[i] == stem || names[i].EndsWith(oneSide, StringComparison.Ordinal)))
                        {
                            weights[i] = value;
                        }
                    }
                }

                return (weights, string.Join("+", picked));
            default:
                return (weights, "none");
        }
    }

    private static string Stem(string blendshape) =>
        blendshape.EndsWith("_L", StringComparison.Ordinal) || blendshape.EndsWith("_R", StringComparison.Ordinal) ? blendshape[..^2] : blendshape;

    /// <summary>Cheek-to-cheek width of the mean face (jaw landmarks 1 and 15), cm.</summary>
    private double FaceWidthCm() => Math.Abs(_data.Neutral[_data.Landmarks[15] * 3] - _data.Neutral[_data.Landmarks[1] * 3]);

    /// <summary>The rotated centroid of the mean face's landmarks (where the camera aims).</summary>
    private double[] FaceCentre(double yaw, double pitch, double roll)
    {
        var r = Rotation(yaw, pitch, roll);
        var c = new double[3];
        foreach (var v in _data.Landmarks)
        {
            for (var k = 0; k < 3; k++)
            {
                c[k] += _data.Neutral[(v * 3) + k] / _data.Landmarks.Length;
            }
        }

        return [(r[0] * c[0]) + (r[1] * c[1]) + (r[2] * c[2]), (r[3] * c[0]) + (r[4] * c[1]) + (r[5] * c[2]), (r[6] * c[0]) + (r[7] * c[1]) + (r[8] * c[2])];
    }

    private static double[] Multiply(double[] a, double[] b)
    {
        var m = new double[9];
        for (var r = 0; r < 3; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                m[(r * 3) + c] = (a[r * 3] * b[c]) + (a[(r * 3) + 1] * b[3 + c]) + (a[(r * 3) + 2] * b[6 + c]);
            }
        }

        return m;
    }

    private static double[] Jitter(double[] colour, Random random, double amount) =>
        colour.Select(c => Math.Clamp(c + Uniform(random, -amount, amount), 0, 1)).ToArray();

    private static double Uniform(Random random, double low, double high) => ReferenceRenderer.Uniform(random, low, high);

    private static double Gaussian(Random random) => ReferenceRenderer.Gaussian(random);
}
