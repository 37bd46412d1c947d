using FaceClip.Core.Geometry;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>
/// What keeps a baked texture to the subject's skin and off the photo's own expression, so that the face reads as
/// whatever expression it is later given:
/// <list type="bullet">
/// <item><b>skin, not the scene</b>: a texel whose photo colour is far from the subject's skin (the chroma and the
/// reflectance of the cheeks, as <see cref="SkinLikelihood"/> measures them) is hair, a hat, a hand or the background,
/// and takes the subject's own skin tone instead: the fitted albedo matched to the cheeks' colour. The brows, eyes,
/// nose and lips (<see cref="SkinParts.Features"/>) are kept whatever their colour;</item>
/// <item><b>not the expression</b>: where the fitted expression stretched or compressed the skin around the features
/// (<see cref="Strain"/>: a smile's cheeks and nasolabial folds, a frown's forehead), the photo shows folds and shading
/// that belong to that expression, so those texels fade to the same skin tone. The features themselves keep the photo
/// (the model's albedo has no lip colour and no brows to put there instead);</item>
/// <item><b>lips, not teeth</b>: the lips are tested against the lips' own colour (their outer halves, which show lip
/// whatever the mouth does): where the photo's open mouth put teeth or the dark of the mouth on the fitted lips, those
/// texels take the lips' colour, not the teeth into every later expression;</item>
/// <item>the confidence is smoothed over the texture before it blends, so no seam shows.</item>
/// </list>
/// </summary>
public static class TextureCleaning
{
    /// <summary>Area change (|log| of the ratio) below which the photo is fully trusted.</summary>
    public const double StrainStart = 0.08;

    /// <summary>Area change from which the photo is not used at all.</summary>
    public const double StrainEnd = 0.3;

    /// <summary>The per-vertex parts of the model the cleaning needs: how much each vertex belongs to a facial
    /// feature kept whatever its colour (1 on the brows, eyes, nose and lips and on the eyeballs and mouth, fading to 0
    /// over the skin around them), and the reference skin (cheeks and the sides of the nose, between the lower eyelids
    /// and the mouth corners, inside the outer eye corners) the subject's skin colour is measured on; and the lips
    /// (<paramref name="Lips"/>, 1 inside the outer lip contour) with their outer halves (<paramref name="LipReference"/>,
    /// nearer the outer contour than the inner one), which the lips' colour is measured on.</summary>
    public sealed record SkinParts(float[] Features, bool[] Reference, float[]? Lips = null, bool[]? LipReference = null)
    {
        /// <summary>How far in front of or behind the lip landmarks' mean depth (cm) a vertex inside the outer lip
        /// contour still counts as lip (the chin and the nose lie further).</summary>
        public const float LipDepth = 1.0f;

        /// <summary>Full feature weight within this distance (cm) of a feature landmark.</summary>
        public const float FeatureNear = 0.7f;

        /// <summary>No feature weight from this distance (cm) on.</summary>
        public const float FeatureFar = 1.4f;

        public static SkinParts Of(FaceModelData data)
        {
            ArgumentNullException.ThrowIfNull(data);
            var n = data.VertexCount;
            (float X, float Y, float Z) P(int v) => (data.Neutral[3 * v], data.Neutral[(3 * v) + 1], data.Neutral[(3 * v) + 2]);
            var region = new FaceRegion?[n];
            for (var t = 0; t < data.TriangleCount; t++)
            {
                for (var k = 0; k < 3; k++)
                {
                    var v = data.Triangles[(3 * t) + k];
                    region[v] = region[v] is FaceRegion.Face or FaceRegion.BackHead ? region[v] : data.TriangleRegions[t];
                }
            }

            // The 68-point scheme's brows (17-26), nose (27-35), eyes (36-47) and lips (48-67).
            var features = Enumerable.Range(17, 51).Select(i => P(data.Landmarks[i])).ToArray();
            var weights = new float[n];
            var reference = new bool[n];
            float Y(int landmark) => P(data.Landmarks[landmark]).Y;
            var lids = new[] { 40, 41, 46, 47 }.Average(Y);
            var mouth = (Y(48) + Y(54)) / 2;
            var outer = Math.Min(Math.Abs(P(data.Landmarks[36]).X), Math.Abs(P(data.Landmarks[45]).X));
            for (var v = 0; v < n; v++)
            {
                if (region[v] is not (FaceRegion.Face or FaceRegion.BackHead))
                {
                    weights[v] = 1; // eyeballs, teeth, gums, lashes: never skin-tested
                    continue;
                }

                var p = P(v);
                var nearest = features.Min(f => MathF.Sqrt(((p.X - f.X) * (p.X - f.X)) + ((p.Y - f.Y) * (p.Y - f.Y)) + ((p.Z - f.Z) * (p.Z - f.Z))));
                weights[v] = Math.Clamp((FeatureFar - nearest) / (FeatureFar - FeatureNear), 0f, 1f);
                reference[v] = region[v] == FaceRegion.Face && p.Y < lids && p.Y > mouth && Math.Abs(p.X) < outer && weights[v] < 0.5f && p.Z > P(data.Landmarks[0]).Z;
            }

            var (lips, lipReference) = LipsOf(data, region);
            for (var v = 0; v < n; v++)
            {
                weights[v] = Math.Max(weights[v], lips[v]); // the lips are a feature throughout, not only near their landmarks
            }

            return new SkinParts(weights, reference, lips, lipReference);
        }

        /// <summary>The lips on the neutral mesh (closed mouth): the face vertices inside the outer lip contour (the
        /// 68-point scheme's 48-59) seen from the front, near the lips' depth; and those nearer that contour than the
        /// inner one (60-67).</summary>
        private static (float[] Lips, bool[] Reference) LipsOf(FaceModelData data, FaceRegion?[] region)
        {
            var n = data.VertexCount;
            (float X, float Y, float Z) P(int v) => (data.Neutral[3 * v], data.Neutral[(3 * v) + 1], data.Neutral[(3 * v) + 2]);
            var outer = Enumerable.Range(48, 12).Select(i => P(data.Landmarks[i])).ToArray();
            var inner = Enumerable.Range(60, 8).Select(i => P(data.Landmarks[i])).ToArray();
            var depth = outer.Average(p => p.Z);
            var lips = new float[n];
            var reference = new bool[n];
            for (var v = 0; v < n; v++)
            {
                var p = P(v);
                if (region[v] != FaceRegion.Face || Math.Abs(p.Z - depth) > LipDepth || !Inside(outer, p.X, p.Y))
                {
                    continue;
                }

                lips[v] = 1;
                reference[v] = EdgeDistance(outer, p.X, p.Y) < EdgeDistance(inner, p.X, p.Y);
            }

            return (lips, reference);
        }

        private static bool Inside((float X, float Y, float Z)[] polygon, float x, float y)
        {
            var inside = false;
            for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
            {
                var (a, b) = (polygon[i], polygon[j]);
                if ((a.Y > y) != (b.Y > y) && x < a.X + ((b.X - a.X) * (y - a.Y) / (b.Y - a.Y)))
                {
                    inside = !inside;
                }
            }

            return inside;
        }

        private static float EdgeDistance((float X, float Y, float Z)[] polygon, float x, float y)
        {
            var best = float.MaxValue;
            for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
            {
                var (a, b) = (polygon[j], polygon[i]);
                var (ex, ey) = (b.X - a.X, b.Y - a.Y);
                var t = Math.Clamp((((x - a.X) * ex) + ((y - a.Y) * ey)) / Math.Max((ex * ex) + (ey * ey), 1e-12f), 0f, 1f);
                var (dx, dy) = (x - (a.X + (t * ex)), y - (a.Y + (t * ey)));
                best = Math.Min(best, MathF.Sqrt((dx * dx) + (dy * dy)));
            }

            return best;
        }
    }

    /// <summary>
    /// Per vertex [V], how much the expression changed the skin's area around it: the area-weighted mean over its
    /// triangles of |log(area with the expression / area without)|. A jaw that opens moves the chin without
    /// stretching it (little strain); a smile compresses the cheeks into folds (much).
    /// </summary>
    public static Tensor Strain(Tensor withExpression, Tensor withoutExpression, Tensor triangles, int vertexCount)
    {
        using var scope = NewDisposeScope();
        Tensor Areas(Tensor vertices)
        {
            var v = vertices.reshape(-1, 3);
            var (a, b, c) = (v.index_select(0, triangles.select(1, 0)), v.index_select(0, triangles.select(1, 1)), v.index_select(0, triangles.select(1, 2)));
            return linalg.cross(b - a, c - a).norm(1) / 2;
        }

        var before = Areas(withoutExpression);
        var change = (Areas(withExpression).clamp_min(1e-10) / before.clamp_min(1e-10)).log().abs();
        var weighted = zeros(vertexCount, device: triangles.device);
        var total = zeros(vertexCount, device: triangles.device);
        for (var k = 0; k < 3; k++)
        {
            var ids = triangles.select(1, k);
            weighted.index_add_(0, ids, change * before, 1);
            total.index_add_(0, ids, before, 1);
        }

        return (weighted / total.clamp_min(1e-12)).MoveToOuterDisposeScope();
    }

    /// <summary>How much each strain [N] leaves the photo trusted: 1 up to <see cref="StrainStart"/>, 0 from
    /// <see cref="StrainEnd"/>.</summary>
    public static Tensor StrainConfidence(Tensor strain) => ((StrainEnd - strain) / (StrainEnd - StrainStart)).clamp(0, 1);

    /// <summary>
    /// Probability [N] that each colour [N, 3] (0..1) is the subject's skin: its chromaticity (log r/g, log b/g) and reflectance (its
    /// luminance over the fitted irradiance's, which takes the shading out) against the median and spread of the
    /// <paramref name="reference"/> texels (the cheeks), then a soft Gaussian of the distance. Hair, eyebrows-coloured
    /// fringes, hats and most backgrounds fall outside; any skin tone and white balance work. With fewer than 50
    /// reference texels every texel counts as skin.
    /// </summary>
    public static Tensor SkinLikelihood(Tensor colour, Tensor irradiance, Tensor reference)
    {
        using var scope = NewDisposeScope();
        if (reference.sum().item<long>() < 50)
        {
            return ones(colour.shape[0], device: colour.device).MoveToOuterDisposeScope();
        }

        // Chromaticity as log ratios (shading scales r, g and b alike, so it cancels), and reflectance: the luminance
        // over the fitted irradiance's.
        var rgb = colour.clamp_min(0.02);
        var (r, g, b) = (rgb.select(1, 0), rgb.select(1, 1), rgb.select(1, 2));
        var redness = (r / g).log();
        var blueness = (b / g).log();
        var luminance = (0.299 * r) + (0.587 * g) + (0.114 * b);
        var light = ((0.299 * irradiance.select(1, 0)) + (0.587 * irradiance.select(1, 1)) + (0.114 * irradiance.select(1, 2))).clamp_min(0.2);
        var reflectance = (luminance / light).log();

        Tensor Normalised(Tensor channel, double floor)
        {
            var values = channel.masked_select(reference);
            var median = values.median();
            var mad = (values - median).abs().median().clamp_min(floor) * 1.4826;
            return (channel - median) / mad;
        }

        // Reflectance varies more than chroma with the fit's lighting error: a wider floor on its spread (0.15 in log,
        // about ±15 %, so shading the fit did not explain stays skin while dark hair, three times darker, does not).
        var d2 = Normalised(redness, 0.03).square() + Normalised(blueness, 0.03).square() + Normalised(reflectance, 0.15).square();
        return (-d2 / (2 * 2.5 * 2.5)).exp().MoveToOuterDisposeScope();
    }

    /// <summary>Smooths per-texel values [N] (at texture pixels <paramref name="pixel"/> of a width x height texture)
    /// with a box filter of the given radius over the covered texels only (normalised convolution), and returns them
    /// at the same texels.</summary>
    public static Tensor SmoothOverTexels(Tensor values, Tensor pixel, int width, int height, int radius)
    {
        using var scope = NewDisposeScope();
        var size = (long)width * height;
        var image = zeros(size, device: values.device).index_copy(0, pixel, values).view(1, 1, height, width);
        var mask = zeros(size, device: values.device).index_copy(0, pixel, ones_like(values)).view(1, 1, height, width);
        var k = (2 * radius) + 1;
        var blurred = nn.functional.avg_pool2d(image, [k, k], [1, 1], [radius, radius], count_include_pad: true);
        var coverage = nn.functional.avg_pool2d(mask, [k, k], [1, 1], [radius, radius], count_include_pad: true);
        var smooth = (blurred / coverage.clamp_min(1e-6)).view(-1);
        return smooth.index_select(0, pixel).MoveToOuterDisposeScope();
    }
}
