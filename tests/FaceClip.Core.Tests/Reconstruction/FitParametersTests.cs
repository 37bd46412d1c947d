using System.Text.Json.Nodes;
using FaceClip.Core.Expression;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using FaceClip.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>params.json through <see cref="FitParameters"/>: the same bytes as the former hand-built writer, a round
/// trip, the writer's files read back as a transfer subject, older files, and clear errors. A small synthetic fit (no
/// model assets).</summary>
public sealed class FitParametersTests
{
    private static readonly FaceCodeLayout Layout = new(Shape: 4, Expression: 3, Texture: 2);
    private static readonly string[] Names = ["jawOpen", "eyeBlink_L", "mouthSmile_R"];

    private static ReconstructionResult Fit(bool withDetail = false)
    {
        var random = new Random(42);
        float Next(double scale) => (float)((random.NextDouble() * 2 - 1) * scale);
        (float X, float Y)[] Points() => Enumerable.Range(0, 68).Select(_ => (300 + Next(100), 200 + Next(100))).ToArray();
        return new ReconstructionResult
        {
            Layout = Layout,
            Codes = Enumerable.Range(0, Layout.Total).Select(_ => Next(1)).ToArray(),
            ExpressionNames = Names,
            Camera = new PerspectiveCamera(224, 224, 1015.5, 125) { CenterX = 111.25, CenterY = 113.1 },
            Crop = new FaceCrop(37.5, -12.3, 300.7, 224),
            PhotoWidth = 640,
            PhotoHeight = 480,
            FaceIndex = 1,
            FaceCount = 2,
            FaceBox = new FaceBox(10.5, 20.25, 100.1, 120.3),
            Landmarks2d = Points(),
            DetectedLandmarks2d = Points(),
            LossHistory =
            [
                (OptimisationStage.Pose, new Dictionary<string, double> { ["total"] = 0.123456789, ["landmarks"] = 0.1, ["photo"] = 0.023456 }),
                (OptimisationStage.Full, new Dictionary<string, double> { ["total"] = 0.0456, ["landmarks"] = 1e-5, ["photo"] = 0.0201 }),
            ],
            Critic = CriticKind.Face,
            CriticDescription = "face-recognition network · descriptor cosine (é)",
            Initialiser = FitInitialiser.Regressor,
            Device = "cpu (2 threads)",
            Timings = new Dictionary<string, double> { ["pose"] = 1.23456, ["full"] = 7.1, ["total"] = 9.87654321 },
            Vertices = [],
            PosedVertices = [],
            VertexColors = [],
            Mesh = new ExportMesh
            {
                Positions = [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1],
                Triangles = [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3],
                Uvs = [0, 0, 1, 0, 0, 1, 1, 1],
                TriangleUvIndices = [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3],
                Texture = new Image<Rgb24>(2, 2, new Rgb24(200, 150, 120)),
            },
            ExpressionWeights = [],
            RenderPng = [1, 2, 3],
            OverlayPng = [4, 5, 6],
            Quality = new ReconstructionQuality(0.0291234, 0.0561234f, 0.3012345) { PhotometricErrorAllPixels = 0.071f, SkinCoverage = 0.83 },
            Details = withDetail ? new DetailResult([9, 9], -0.0123f, 0.0456f, 256, 40, 0.07f, 0.011f) : null,
        };
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WritesTheSameBytesAsTheFormerWriter(bool withDetail)
    {
        using var fit = Fit(withDetail);
        Assert.Equal(LegacyParamsJson.Write(fit, "photo.jpg"), FitParameters.From(fit, "photo.jpg").ToJson());
    }

    [Fact]
    public void RoundTripsEveryField()
    {
        using var fit = Fit(withDetail: true);
        var json = FitParameters.From(fit, "photo.jpg").ToJson();
        var read = FitParameters.Parse(json);

        Assert.Equal(fit.Codes, read.ToCodes(Layout, Names));
        Assert.Equal(fit.Camera, read.ToCamera());
        Assert.Equal(fit.Crop, read.ToCrop());
        Assert.Equal("ict-facekit", read.Model);
        Assert.Equal(new FitParametersPhoto { File = "photo.jpg", Width = 640, Height = 480 }, read.Photo);
        Assert.Equal((1, 2), (read.FaceIndex, read.FaceCount));
        Assert.Equal([10.5, 20.25, 100.1, 120.3], read.FaceBox!);
        Assert.Equal(fit.Landmarks2d, read.Landmarks2d!.Select(p => (p[0], p[1])));
        Assert.Equal(fit.DetectedLandmarks2d, read.DetectedLandmarks2d!.Select(p => (p[0], p[1])));
        Assert.Equal(FitParametersQuality.From(fit.Quality), read.Quality);
        Assert.Equal(FitParametersDetail.From(fit.Details!, ReconstructionWriter.DisplacementFile), read.Detail);
        Assert.Equal(FitParametersConventions.Current, read.CodeConventions);
        Assert.Equal(("face", fit.CriticDescription, "regressor", "cpu (2 threads)"), (read.Critic, read.CriticDescription, read.Initialiser, read.Device));
        Assert.Equal([("pose", 1.235), ("full", 7.1), ("total", 9.877)], read.Timings!.Select(kv => (kv.Key, kv.Value)));
        Assert.Equal(fit.LossHistory.Select(h => h.Stage.Name()), read.LossHistory!.Select(h => h.Stage));
        Assert.Equal(fit.LossHistory[0].Losses, read.LossHistory![0].Losses);
        Assert.Equal(fit.LossHistory[1].Losses.Keys, read.LossHistory[1].Losses.Keys); // in the order written
        Assert.Equal(json, read.ToJson());
    }

    [Fact]
    public void TheWritersParamsJsonReadsBackAsATransferSubject()
    {
        using var cleanup = TempFolder.Create("faceclip-params-", out var folder);
        using var fit = Fit();
        ReconstructionWriter.Write(fit, folder, "photo.jpg");
        var path = Path.Combine(folder, ReconstructionWriter.ParamsFile);
        Assert.Equal(LegacyParamsJson.Write(fit, "photo.jpg"), File.ReadAllText(path));

        using var subject = TransferSubject.FromParamsJson(path, Names, Layout);
        Assert.Equal(fit.Codes, subject.Codes);
        Assert.Equal(fit.Camera, subject.Camera);
        Assert.Equal(fit.Crop, subject.Crop);
        Assert.Equal("photo.jpg", subject.PhotoName);
        Assert.Null(subject.Photo); // the photo is not beside params.json
        Assert.Equal((2, 2), (subject.Texture!.Width, subject.Texture.Height));
    }

    [Fact]
    public void AFileWrittenBeforeTheRegressorTheSkinMeasureAndTheDetailPassStillReads()
    {
        using var fit = Fit();
        var old = JsonNode.Parse(LegacyParamsJson.Write(fit, "photo.jpg"))!.AsObject();
        old.Remove("initialiser");
        old.Remove("detail");
        old["quality"]!.AsObject().Remove("photometric_error_all_pixels");
        old["quality"]!.AsObject().Remove("skin_coverage");

        var read = FitParameters.Parse(old.ToJsonString());
        Assert.Equal(fit.Codes, read.ToCodes(Layout, Names));
        Assert.Null(read.Initialiser);
        Assert.Null(read.Detail);
        Assert.Null(read.Quality!.SkinCoverage);
        Assert.Equal(fit.Quality.LandmarkNme, read.Quality.LandmarkNme);
    }

    [Fact]
    public void OnlyCodesCameraAndCropAreNeeded()
    {
        using var fit = Fit();
        var full = JsonNode.Parse(LegacyParamsJson.Write(fit, "photo.jpg"))!;
        var minimal = new JsonObject { ["codes"] = full["codes"]!.DeepClone(), ["camera"] = full["camera"]!.DeepClone(), ["crop"] = full["crop"]!.DeepClone() };
        var read = FitParameters.Parse(minimal.ToJsonString());
        Assert.Equal(fit.Codes, read.ToCodes(Layout, Names));
        Assert.Equal(fit.Camera, read.ToCamera());
        Assert.Equal(fit.Crop, read.ToCrop());
        Assert.Null(read.Photo);
        Assert.Null(read.LossHistory);
    }

    [Fact]
    public void ExpressionWeightsAreReadByNameNotByPosition()
    {
        using var fit = Fit();
        var doc = JsonNode.Parse(LegacyParamsJson.Write(fit, "photo.jpg"))!;
        var expression = doc["codes"]!["expression"]!.AsObject();
        var reversed = new JsonObject(expression.Reverse().Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
        reversed["browDown_L"] = 0.5f; // a blendshape this model does not have is ignored
        doc["codes"]!["expression"] = reversed;
        Assert.Equal(fit.Codes, FitParameters.Parse(doc.ToJsonString()).ToCodes(Layout, Names));
    }

    [Fact]
    public void ProblemsAreClearErrorsNamingTheFile()
    {
        using var fit = Fit();
        var source = Path.Combine("fits", "params.json");
        JsonNode Doc() => JsonNode.Parse(LegacyParamsJson.Write(fit, "photo.jpg"))!;
        string Error(JsonNode doc, Func<FitParameters, object> use) =>
            Assert.Throws<InvalidDataException>(() => use(FitParameters.Parse(doc.ToJsonString(), source))).Message;

        var noCodes = Doc();
        noCodes.AsObject().Remove("codes");
        Assert.Equal($"'{source}' has no 'codes' (is it a params.json from faceclip reconstruct?).", Error(noCodes, p => p.ToCodes(Layout, Names)));

        var noCamera = Doc();
        noCamera.AsObject().Remove("camera");
        Assert.Contains("has no 'camera'", Error(noCamera, p => p.ToCamera()));

        var shortShape = Doc();
        shortShape["codes"]!["shape"]!.AsArray().RemoveAt(0);
        Assert.Equal($"'{source}': codes.shape has 3 values, expected 4.", Error(shortShape, p => p.ToCodes(Layout, Names)));

        var missingBlendshape = Doc();
        missingBlendshape["codes"]!["expression"]!.AsObject().Remove("eyeBlink_L");
        Assert.Equal($"'{source}': codes.expression has no 'eyeBlink_L'.", Error(missingBlendshape, p => p.ToCodes(Layout, Names)));

        var noFocal = Doc();
        noFocal["camera"]!.AsObject().Remove("focal");
        Assert.Contains(source, Assert.Throws<InvalidDataException>(() => FitParameters.Parse(noFocal.ToJsonString(), source)).Message);

        var wrongKind = Doc();
        wrongKind["codes"]!["rotation"] = "north";
        Assert.Throws<InvalidDataException>(() => FitParameters.Parse(wrongKind.ToJsonString(), source));

        Assert.Throws<InvalidDataException>(() => FitParameters.Parse("{ \"codes\": [1, 2", source));
        Assert.Throws<InvalidDataException>(() => FitParameters.Parse("null", source));
    }
}
