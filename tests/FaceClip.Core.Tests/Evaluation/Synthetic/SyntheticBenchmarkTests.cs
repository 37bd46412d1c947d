using System.Reflection;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Tests.Geometry;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Evaluation.Synthetic;

/// <summary>One reconstructor for the class (the face model and the face networks).</summary>
public sealed class SyntheticBenchFixture : IDisposable
{
    public SyntheticBenchFixture()
    {
        var store = TestPaths.OpenStore();
        Reconstructor = new Reconstructor(FaceModel.Load(store), FacePipeline.Load(store));
        Bench = new SyntheticBenchmark(Reconstructor);
    }

    public Reconstructor Reconstructor { get; }

    public SyntheticBenchmark Bench { get; }

    public void Dispose()
    {
        Reconstructor.Model.Dispose();
        Reconstructor.Faces.Dispose();
        Reconstructor.Dispose();
    }
}

public sealed class SyntheticBenchmarkTests(SyntheticBenchFixture fixture, IctFaceKitFixture ict) : IClassFixture<SyntheticBenchFixture>, IClassFixture<IctFaceKitFixture>
{
    [Fact]
    public void TheSameSeedDrawsTheSameFacesAndTheyCoverWhatTheBenchPromises()
    {
        var generator = new SyntheticFaceGenerator(ict.Data, 80);
        var a = generator.Draw(30, 11);
        var b = generator.Draw(30, 11);
        Assert.Equal(a.Select(f => f.Identity.Sum()), b.Select(f => f.Identity.Sum()));
        Assert.Equal(a.Select(f => f.Yaw), b.Select(f => f.Yaw));
        Assert.NotEqual(a.Select(f => f.Yaw), generator.Draw(30, 12).Select(f => f.Yaw));

        var identity = a.SelectMany(f => f.Identity).Select(x => (double)x).ToArray();
        Assert.InRange(identity.Average(), -0.1, 0.1);
        Assert.InRange(Math.Sqrt(identity.Average(x => x * x)), 0.9, 1.1);
        Assert.All(a, f => Assert.InRange(f.Yaw, -45, 45));
        Assert.All(a, f => Assert.InRange(f.Pitch, -20, 20));
        Assert.All(a, f => Assert.InRange(f.Roll, -10, 10));
        Assert.All(a, f => Assert.All(f.Expression, w => Assert.InRange(w, 0, 1)));
        Assert.All(a.Where(f => f.ExpressionKind == SyntheticExpression.None), f => Assert.All(f.Expression, w => Assert.Equal(0, w)));
        Assert.All(a.Where(f => f.ExpressionKind != SyntheticExpression.None), f => Assert.Contains(f.Expression, w => w > 0.1));
        Assert.Equal(3, a.Select(f => f.ExpressionKind).Distinct().Count());
    }

    [Fact]
    public void TheBenchmarksRendererSharesNothingWithTheFittersForwardModel()
    {
        // Everything that draws a synthetic photo: none of it may call the fitter's renderer, its camera, its tensor
        // face model or TorchSharp (the engine of the fitter's forward model).
        var drawing = new[] { typeof(ReferenceRenderer), typeof(SkinPainter), typeof(SkinTexture), typeof(SyntheticFaceGenerator), typeof(FineFaceMesh), typeof(FaceSubdivision), typeof(WrinkleMap) };
        var forbidden = new[] { "FaceClip.Core.Rendering", "TorchSharp" };
        foreach (var type in drawing)
        {
            foreach (var member in ReferencedMembers(type))
            {
                var ns = member.DeclaringType?.Namespace ?? "";
                Assert.False(forbidden.Any(f => ns.StartsWith(f, StringComparison.Ordinal)), $"{type.Name} uses {member.DeclaringType}.{member.Name}");
                Assert.NotEqual(typeof(FaceModel), member.DeclaringType);
            }
        }

        // The scan sees calls at all: the renderer draws with Skia.
        Assert.Contains(ReferencedMembers(typeof(ReferenceRenderer)), m => m.DeclaringType?.Namespace == "SkiaSharp");
    }

    [Fact]
    public void WrinklesArePhotographedAsGeometryWhereTheMapPutsThem()
    {
        // A key light from the upper left: grooves shade as they do in a photo taken off the axis.
        var face = Face(yaw: 0, expression: []) with { Blur = 0, Noise = 0, JpegQuality = 95, LightDirection = [-0.55, 0.55, 0.63], KeyLight = 0.8, Ambient = 0.2 };
        var random = new Random(3);
        float[] map;
        do
        {
            map = WrinkleMap.Draw(ict.Data, 128, random, out _);
        }
        while (map.Min() > -0.05f);

        var plain = Pixels(fixture.Bench.Photograph(face));
        var fine = Pixels(fixture.Bench.Photograph(face, new float[128 * 128]));
        var wrinkled = Pixels(fixture.Bench.Photograph(face, map));
        static int Changed(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Count(d => d > 6);
        // The fine mesh alone looks like the model's mesh; its wrinkles change many pixels.
        var subdivision = Changed(plain, fine);
        var wrinkles = Changed(fine, wrinkled);
        Assert.True(wrinkles > 500 && wrinkles > 8 * subdivision, $"wrinkles change {wrinkles} pixels by more than 6 grey levels, the subdivision {subdivision}");
    }

    [Fact]
    public void TheDetailErrorIsZeroForTheTruthAndSeesAMissingMap()
    {
        var data = ict.Data;
        var map = WrinkleMap.Draw(data, 128, new Random(4), out _);
        var face = Face(yaw: 0, expression: []);
        var vertices = data.Neutral;
        DetailError.Surface Seen(SyntheticFace f, float[] m)
        {
            var camera = ReferenceRenderer.CameraPoints(f, vertices);
            var (x, y) = ReferenceRenderer.PixelPoints(f, camera);
            var pixels = Enumerable.Range(0, x.Length).SelectMany(v => new[] { (float)x[v], (float)y[v], (float)-camera[(3 * v) + 2] }).ToArray();
            return new DetailError.Surface(vertices, m, pixels, SyntheticFaceGenerator.Rotation(f.Yaw, f.Pitch, f.Roll));
        }

        var same = DetailError.Measure(data, face.Width, face.Height, Seen(face, map), Seen(face, map));
        Assert.True(same.Texels > 3000, $"{same.Texels} pixels");
        Assert.Equal(1, same.Correlation, 6);
        Assert.InRange(same.NormalErrorWith, 0, 0.05); // float32 acos near 1
        Assert.True(same.NormalErrorWithout > 0.2, $"without the map the normals are {same.NormalErrorWithout:F2} degrees off");
        Assert.True(same.WrinkleNormalErrorWithout > 3 * same.NormalErrorWithout, $"on the wrinkles {same.WrinkleNormalErrorWithout:F2} degrees off");
        Assert.InRange(same.WrinkleNormalErrorWith, 0, 0.05);
        Assert.Equal(same.TrueRmsMm, same.RecoveredRmsMm, 6);

        // Half the depth: as correlated, closer than nothing, further than the truth.
        var half = DetailError.Measure(data, face.Width, face.Height, Seen(face, map), Seen(face, map.Select(d => d / 2).ToArray()));
        Assert.Equal(1, half.Correlation, 6);
        Assert.InRange(half.WrinkleNormalErrorWith, 0.1, same.WrinkleNormalErrorWithout * 0.8);
        // A turned head shows fewer pixels; a fit that lands a few pixels off no longer lines up.
        var turned = Face(yaw: 35, expression: []);
        Assert.True(DetailError.Measure(data, turned.Width, turned.Height, Seen(turned, map), Seen(turned, map)).Texels < same.Texels);
        var seen = Seen(face, map);
        var moved = seen with { Pixels = seen.Pixels.Select((p, i) => i % 3 == 1 ? p + 4 : p).ToArray() }; // 4 pixels down, about 3 mm
        var shifted = DetailError.Measure(data, face.Width, face.Height, seen, moved);
        Assert.True(shifted.Correlation < 0.6, $"a fit 4 pixels off still correlates {shifted.Correlation:F2}");
    }

    private static float[] Pixels(SyntheticPhoto photo)
    {
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L8>(photo.Jpeg);
        var values = new float[image.Width * image.Height];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    values[(y * row.Length) + x] = row[x].PackedValue;
                }
            }
        });
        return values;
    }

    [Fact]
    public void APhotographedFaceIsFoundWhereItsTrueLandmarksAre()
    {
        var face = Face(yaw: 15, expression: []);
        var photo = fixture.Bench.Photograph(face);
        Assert.Equal((face.Width, face.Height), (photo.Width, photo.Height));
        Assert.Equal(fixture.Bench.TrueVertices(face), photo.Vertices); // the truth it is measured against is what it was photographed from
        using var image = FaceImage.Decode(photo.Jpeg);
        Assert.Equal(face.Width, image.Width);
        var analysis = fixture.Reconstructor.Faces.Analyse(image);
        var detected = Assert.Single(analysis.Faces);
        // The detector's landmarks lie near the true ones: within 10 % of the eye distance on average.
        Assert.InRange(LandmarkError.NmeByOuterEyeCorners(detected.Landmarks.ToArray(), photo.Landmarks), 0, 0.1);
    }

    [Fact]
    public async Task AShortFitOfASyntheticFaceComesCloserToItsTrueShapeThanTheMeanFace()
    {
        var face = Face(yaw: -10, expression: [("jawOpen", 0.6f), ("mouthSmile_L", 0.7f), ("mouthSmile_R", 0.7f), ("browInnerUp_L", 0.5f), ("browInnerUp_R", 0.5f)]);
        var photo = fixture.Bench.Photograph(face);
        var result = await fixture.Bench.MeasureAsync(face, photo, new ReconstructionOptions { PoseIterations = 80, ShapeIterations = 80, Iterations = 0, PreviewEvery = 0, TextureSize = 128 });

        Assert.True(result.Fitted, result.Failure);
        Assert.True(result.FitMm < 0.9 * result.MeanFaceMm, $"fit {result.FitMm:F2} mm, mean face {result.MeanFaceMm:F2} mm");
        Assert.True(result.ExpressionMm < result.MeanFaceMm, $"expression {result.ExpressionMm:F2} mm");
        Assert.InRange(result.Nme68, 0, 0.12);
    }

    /// <summary>A face of the model: a fixed identity, the given expression, a fixed scene.</summary>
    private SyntheticFace Face(double yaw, (string Name, float Weight)[] expression)
    {
        var generator = new SyntheticFaceGenerator(ict.Data, 80);
        var drawn = generator.Draw(1, 5)[0];
        var weights = new float[ict.Data.ExpressionCount];
        foreach (var (name, weight) in expression)
        {
            weights[Array.IndexOf(ict.Data.ExpressionNames, name)] = weight;
        }

        return drawn with
        {
            Expression = weights,
            ExpressionKind = expression.Length == 0 ? SyntheticExpression.None : SyntheticExpression.Mix,
            Yaw = yaw,
            Pitch = 0,
            Roll = 0,
            Width = 512,
            Height = 512,
            Focal = 1.6 * 512,
            Position = generator.Aim(yaw, 0, 0, 1.6 * 512, 512, 0.42),
            Blur = 0.5,
            Noise = 2,
            JpegQuality = 90,
        };
    }

    private static IEnumerable<MemberInfo> ReferencedMembers(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = new[] { type }.Concat(type.GetNestedTypes(all));
        foreach (var t in types)
        {
            foreach (var method in t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)))
            {
                var il = method.GetMethodBody()?.GetILAsByteArray();
                if (il is null)
                {
                    continue;
                }

                for (var i = 0; i + 4 < il.Length; i++)
                {
                    // call, callvirt, newobj, ldftn (0xFE 0x06), ldsfld/ldfld/stfld/stsfld
                    if (il[i] is 0x28 or 0x6F or 0x73 or 0x7B or 0x7D or 0x7E or 0x80 || (il[i] == 0x06 && i > 0 && il[i - 1] == 0xFE))
                    {
                        var token = BitConverter.ToInt32(il, i + 1);
                        MemberInfo? member = null;
                        try
                        {
                            member = method.Module.ResolveMember(token, t.IsGenericType ? t.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null);
                        }
                        catch (ArgumentException)
                        {
                        }
                        catch (BadImageFormatException)
                        {
                        }

                        if (member is not null)
                        {
                            yield return member;
                        }
                    }
                }
            }
        }
    }
}
