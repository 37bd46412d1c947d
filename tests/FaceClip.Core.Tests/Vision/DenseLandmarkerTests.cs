using System.Text.Json;
using FaceClip.Core.Vision;
using FaceClip.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Vision;

/// <summary>The TorchSharp port of MediaPipe Face Mesh and Iris against the models as @vladmandic/human ships them, run
/// by tfjs in Node on the same crops (Reference/mediapipe, from tools/mediapipe-reference/regenerate.sh), and the
/// dense landmarker's pipeline on the sample photos.</summary>
[Collection(FacePipelineCollection.Name)]
public sealed class DenseLandmarkerTests(FacePipelineFixture faces, ITestOutputHelper output) : IDisposable
{
    private static readonly string ReferenceFolder = Path.Combine(TestPaths.RepositoryRoot, "tests", "FaceClip.Core.Tests", "Vision", "Reference", "mediapipe");

    private readonly DenseLandmarker _dense = DenseLandmarker.Load(TestPaths.OpenStore());

    public void Dispose() => _dense.Dispose();

    [Fact]
    public void EveryOutputOfBothGraphsMatchesTfjsOnTheSameCrops()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(ReferenceFolder, "reference.json")));
        var crops = doc.RootElement.GetProperty("crops").EnumerateArray().ToList();
        Assert.Equal(18, crops.Count); // six faces: one mesh crop and two eye crops each
        var worst = new Dictionary<string, double>();
        using var mesh = TfjsGraphModel.Load(Path.Combine(TestPaths.NodeModules, "@vladmandic", "human", "models", "facemesh.json"));
        using var iris = TfjsGraphModel.Load(Path.Combine(TestPaths.NodeModules, "@vladmandic", "human", "models", "iris.json"));
        foreach (var crop in crops)
        {
            using var scope = NewDisposeScope();
            var kind = crop.GetProperty("kind").GetString()!;
            var input = LoadCrop(Path.Combine(ReferenceFolder, crop.GetProperty("file").GetString()!));
            var ours = (kind == "mesh" ? mesh : iris).Run(input);
            foreach (var o in crop.GetProperty("outputs").EnumerateObject().Where(o => o.Name != "emotion")) // EmotionNetTests
            {
                var expectedShape = o.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var expected = o.Value.GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray();
                Assert.Equal(expectedShape, ours[o.Name].shape);
                var actual = ours[o.Name].cpu().data<float>().ToArray();
                var diff = expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max();
                var key = $"{kind}/{o.Name}";
                worst[key] = Math.Max(worst.GetValueOrDefault(key), diff);
            }
        }

        foreach (var (key, diff) in worst.OrderBy(k => k.Key))
        {
            output.WriteLine($"{key}: largest difference {diff:G3}");
        }

        // Points are in crop pixels (192 or 64 wide); the reference is rounded to 1e-4. A wrong layout, padding or
        // activation moves points by pixels.
        Assert.All(worst, w => Assert.True(w.Value < 0.01, $"{w.Key} differs from tfjs by {w.Value:G3}"));
    }

    [Fact]
    public void AnUnknownOpIsRefusedWhenTheModelLoads()
    {
        using var cleanup = TempFolder.Create("graph-", out var dir);
        var source = Path.Combine(TestPaths.NodeModules, "@vladmandic", "human", "models");
        File.Copy(Path.Combine(source, "iris.bin"), Path.Combine(dir, "iris.bin"));
        var json = File.ReadAllText(Path.Combine(source, "iris.json")).Replace("\"op\":\"MaxPool\"", "\"op\":\"MaxPoolWithArgmax\"", StringComparison.Ordinal);
        Assert.Contains("MaxPoolWithArgmax", json, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(dir, "iris.json"), json);
        var ex = Assert.Throws<InvalidDataException>(() => TfjsGraphModel.Load(Path.Combine(dir, "iris.json")));
        Assert.Contains("MaxPoolWithArgmax", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheMeshLandsOnTheFaceTheDetectorFound()
    {
        // Face Mesh and the 68-point detector are independent networks; where they name the same place (eye corners,
        // nose tip, mouth corners, chin) they agree to a few percent of the face's size, on every face of every sample
        // photo. A wrong crop transform, mirroring or half-pixel slip would move the mesh by far more.
        (int Mesh, int Ibug)[] pairs = [(33, 36), (133, 39), (362, 42), (263, 45), (1, 30), (61, 48), (291, 54), (152, 8)];
        var errors = new List<double>();
        var lidErrors = new List<double>();
        foreach (var (file, analysis) in faces.Results)
        {
            using var image = FaceImage.Load(Path.Combine(TestPaths.SamplePhotos, file));
            var dense = _dense.Detect(image, analysis.Faces);
            Assert.Equal(analysis.Faces.Count, dense.Count);
            for (var f = 0; f < dense.Count; f++)
            {
                var lm = analysis.Faces[f].Landmarks;
                var size = Math.Sqrt(Math.Pow(lm[45].X - lm[36].X, 2) + Math.Pow(lm[45].Y - lm[36].Y, 2));
                Assert.Equal(DenseFace.MeshPoints, dense[f].Points.Count);
                Assert.True(dense[f].Score > 0.5, $"{file}#{f}: face flag {dense[f].Score}");
                foreach (var (m, i) in pairs)
                {
                    var p = dense[f].Points[m];
                    errors.Add(Math.Sqrt(Math.Pow(p.X - lm[i].X, 2) + Math.Pow(p.Y - lm[i].Y, 2)) / size);
                }

                // Each iris centre lies between its eye's corners.
                foreach (var (corners, iris) in new[] { (DenseLandmarker.LeftEyeCorners, dense[f].Irises[0]), (DenseLandmarker.RightEyeCorners, dense[f].Irises[1]) })
                {
                    var (a, b) = (dense[f].Points[corners[0]], dense[f].Points[corners[1]]);
                    var t = (((iris[0].X - a.X) * (b.X - a.X)) + ((iris[0].Y - a.Y) * (b.Y - a.Y))) / (Math.Pow(b.X - a.X, 2) + Math.Pow(b.Y - a.Y, 2));
                    Assert.InRange(t, 0.1, 0.9);
                }

                // The iris model's lid contours name the mesh's lid points (its points 0-8 and 9-15); with the wrong eye
                // mirrored they lie about 20% of the outer-eye distance away.
                for (var e = 0; e < 2; e++)
                {
                    var contour = dense[f].EyeContours[e];
                    var lids = DenseFace.LowerLids[e].Concat(DenseFace.UpperLids[e]).ToArray();
                    for (var k = 0; k < lids.Length; k++)
                    {
                        var p = dense[f].Points[lids[k]];
                        lidErrors.Add(Math.Sqrt(Math.Pow(p.X - contour[k].X, 2) + Math.Pow(p.Y - contour[k].Y, 2)) / size);
                    }
                }
            }
        }

        errors.Sort();
        var median = errors[errors.Count / 2];
        output.WriteLine($"{errors.Count} point pairs: median {median:P1}, 90th percentile {errors[(int)(errors.Count * 0.9)]:P1} of the outer-eye distance");
        Assert.True(median < 0.08, $"median mesh-to-detector distance {median:P1} of the outer-eye distance");
        lidErrors.Sort();
        var lidMedian = lidErrors[lidErrors.Count / 2];
        output.WriteLine($"{lidErrors.Count} lid points, iris model against mesh: median {lidMedian:P1}, 90th percentile {lidErrors[(int)(lidErrors.Count * 0.9)]:P1}");
        Assert.True(lidMedian < 0.05, $"median iris-model-to-mesh lid distance {lidMedian:P1} of the outer-eye distance");
    }

    /// <summary>A crop PNG as [1, 3, H, W] in [0, 1], as reference.mjs feeds it (pixels / 255).</summary>
    private static Tensor LoadCrop(string path)
    {
        using var img = Image.Load<Rgb24>(path);
        var bytes = new byte[img.Width * img.Height * 3];
        img.CopyPixelDataTo(bytes);
        return tensor(bytes, [1, img.Height, img.Width, 3]).to(ScalarType.Float32).permute(0, 3, 1, 2) / 255;
    }
}
