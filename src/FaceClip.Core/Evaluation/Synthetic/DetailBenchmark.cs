using System.Diagnostics;
using FaceClip.Core.Reconstruction;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>One synthetic face of the detail benchmark.</summary>
/// <param name="Face">The face as drawn.</param>
/// <param name="Wrinkles">Which wrinkles it carries ("none" for a smooth face).</param>
/// <param name="Photo">Its photograph (the detail as geometry of a fine mesh).</param>
/// <param name="Failure">Why it was not fitted, else null.</param>
/// <param name="Measure">The detail figures (<see cref="DetailError"/>), null when not fitted.</param>
/// <param name="BandErrorWithout">The fit's photometric error in the fine band without the details.</param>
/// <param name="BandErrorWith">The same with them.</param>
/// <param name="DetailSeconds">Wall time of the detail pass.</param>
/// <param name="Seconds">Wall time of the whole fit.</param>
public sealed record DetailFaceResult(SyntheticFace Face, string Wrinkles, SyntheticPhoto Photo, string? Failure, DetailMeasure? Measure,
    double BandErrorWithout, double BandErrorWith, double DetailSeconds, double Seconds)
{
    public bool Fitted => Failure is null && Measure is not null;

    public bool Smooth => Wrinkles == "none";

    /// <summary>The fit's render (model albedo, fitted light, the details normal-mapped), PNG.</summary>
    public byte[]? RenderPng { get; init; }

    /// <summary>The recovered displacement over the face's UV tile, R × R cm.</summary>
    public float[]? RecoveredMap { get; init; }
}

/// <summary>
/// <c>faceclip bench detail</c>'s engine: synthetic faces (<see cref="SyntheticBenchmark"/>), two in three carrying
/// random wrinkles (<see cref="WrinkleMap"/>) and one in three smooth, photographed with the detail as real geometry of
/// a fine mesh by the reference renderer, fitted with the detail pass through the product's path, and measured in the
/// UV tile against the true map and the true detailed surface (<see cref="DetailError"/>).
/// </summary>
public sealed class DetailBenchmark(Reconstructor reconstructor, SyntheticBenchmark synthetic)
{
    /// <summary>The faces of a run with their true maps (R × R) and what the maps hold.</summary>
    public IReadOnlyList<(SyntheticFace Face, float[] Map, string Wrinkles)> Faces(int count, int seed, int resolution)
    {
        var random = new Random(seed ^ 0x5eed);
        return synthetic.Faces(count, seed).Select(face =>
        {
            if (face.Index % 3 == 2)
            {
                return (face, new float[resolution * resolution], "none");
            }

            string wrinkles;
            var map = WrinkleMap.Draw(reconstructor.Model.Data, resolution, random, out wrinkles);
            return (face, map, wrinkles);
        }).ToList();
    }

    /// <summary>The true face as <see cref="DetailError"/> measures it: where the reference renderer puts its vertices.</summary>
    private static DetailError.Surface Truth(SyntheticFace face, SyntheticPhoto photo, float[] map)
    {
        var vertices = photo.Vertices;
        var camera = ReferenceRenderer.CameraPoints(face, vertices);
        var (x, y) = ReferenceRenderer.PixelPoints(face, camera);
        var pixels = new float[vertices.Length];
        for (var v = 0; v < x.Length; v++)
        {
            (pixels[3 * v], pixels[(3 * v) + 1], pixels[(3 * v) + 2]) = ((float)x[v], (float)y[v], (float)-camera[(3 * v) + 2]);
        }

        return new DetailError.Surface(vertices, map, pixels, SyntheticFaceGenerator.Rotation(face.Yaw, face.Pitch, face.Roll));
    }

    /// <summary>The fit as <see cref="DetailError"/> measures it: its posed vertices through its camera and crop into the photo.</summary>
    private static DetailError.Surface Fitted(ReconstructionResult result)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var posed = TorchSharp.torch.tensor(result.PosedVertices).view(1, -1, 3);
        var screen = result.Camera.Project(result.Camera.ToCameraSpace(posed))[0].data<float>().ToArray();
        for (var v = 0; v < screen.Length / 3; v++)
        {
            var (x, y) = result.Crop.ToPhoto(screen[3 * v], screen[(3 * v) + 1]);
            (screen[3 * v], screen[(3 * v) + 1]) = ((float)x, (float)y);
        }

        var l = result.Layout;
        var angles = TorchSharp.torch.tensor(result.Codes.AsSpan(l.RotationOffset, 3).ToArray()).view(1, 3);
        var rotation = Geometry.FaceModel.ComputeRotation(angles)[0].to(TorchSharp.torch.ScalarType.Float64).data<double>().ToArray();
        return new DetailError.Surface(result.Vertices, result.Details!.Displacement, screen, rotation);
    }

    public async Task<DetailFaceResult> MeasureAsync(SyntheticFace face, float[] map, string wrinkles, ReconstructionOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(options);
        var photo = synthetic.Photograph(face, map);
        options.DetailPass = true;
        var clock = Stopwatch.StartNew();
        var (result, failure) = await synthetic.FitAsync(face, photo, options, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        if (result?.Details is not { } details)
        {
            result?.Dispose();
            return new DetailFaceResult(face, wrinkles, photo, failure ?? "The fit ended without details.", null, double.NaN, double.NaN, double.NaN, seconds);
        }

        using (result)
        {
            var measure = DetailError.Measure(reconstructor.Model.Data, face.Width, face.Height, Truth(face, photo, map), Fitted(result));
            return new DetailFaceResult(face, wrinkles, photo, null, measure, details.BandErrorWithout, details.BandErrorWith,
                result.Timings.GetValueOrDefault("detail"), seconds)
            {
                RenderPng = result.RenderPng,
                RecoveredMap = details.Displacement,
            };
        }
    }
}
