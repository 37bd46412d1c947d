using System.Text.Json;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using FaceClip.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class ReconstructorTests(ReconstructorFixture fixture) : IClassFixture<ReconstructorFixture>
{
    [Fact]
    public void FitsTheLargestFaceWithLandmarksOnTheDetectedOnes()
    {
        var r = fixture.Result;
        Assert.Equal(3, r.FaceCount);
        using var image = FaceImage.Load(ReconstructorFixture.SamplePhoto);
        var faces = fixture.Reconstructor.Faces.Analyse(image).Faces;
        var largest = Enumerable.Range(0, faces.Count).MaxBy(i => faces[i].Box.Area);
        Assert.Equal(largest, r.FaceIndex);
        Assert.InRange(r.Quality.LandmarkNme, 0, 0.06);
        var eyes = Math.Abs(r.DetectedLandmarks2d[45].X - r.DetectedLandmarks2d[36].X);
        Assert.InRange(Math.Abs(r.Landmarks2d[30].X - r.DetectedLandmarks2d[30].X), 0, eyes * 0.1); // nose tip
        Assert.InRange(Math.Abs(r.Landmarks2d[8].Y - r.DetectedLandmarks2d[8].Y), 0, eyes * 0.15); // chin
    }

    [Fact]
    public void AFitRendersAsUsersSeeItAndWithoutItsExpression()
    {
        var r = fixture.Result;
        using var shown = Image.Load<Rgb24>(r.RenderPng);
        using var same = Image.Load<Rgb24>(fixture.Reconstructor.Render(r, r.ExpressionWeights));
        using var neutral = Image.Load<Rgb24>(fixture.Reconstructor.Render(r, new float[r.ExpressionWeights.Length]));
        Assert.True(r.ExpressionWeights.Max() > 0.05f, "sample1's laughing face has an expression to take away");
        Assert.InRange(MeanDifference(shown, same), 0, 0.5); // the same picture as render.png
        Assert.True(MeanDifference(shown, neutral) > 1, $"without the expression the render changes ({MeanDifference(shown, neutral):F2} levels)");
        Assert.Throws<ArgumentException>(() => fixture.Reconstructor.Render(r, new float[3]));
    }

    private static double MeanDifference(Image<Rgb24> a, Image<Rgb24> b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        var sum = 0.0;
        for (var y = 0; y < a.Height; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                var (p, q) = (a[x, y], b[x, y]);
                sum += Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B);
            }
        }

        return sum / (3.0 * a.Width * a.Height);
    }

    [Fact]
    public void StagesRunInOrderAndTheLossesFall()
    {
        var stages = fixture.Progress.Select(p => p.Stage).Distinct().ToList();
        Assert.Equal([OptimisationStage.Pose, OptimisationStage.Shape, OptimisationStage.Full, OptimisationStage.Done], stages);
        var pose = fixture.Progress.Where(p => p.Stage == OptimisationStage.Pose).ToList();
        Assert.True(pose[^1].Losses["landmarks"] < pose[0].Losses["landmarks"] * 0.2, "the pose stage must reduce the landmark loss");
        var full = fixture.Progress.Where(p => p.Stage == OptimisationStage.Full).ToList();
        Assert.Equal(fixture.Options.Iterations, full.Count);
        Assert.True(full[^1].Losses["photo"] < full[0].Losses["photo"], "the full stage must reduce the photometric loss");
        Assert.All(full, p => Assert.Equal(["consistency", "identity", "landmarks", "lighting", "photo", "regularization", "total"], p.Losses.Keys.Order()));
        Assert.Equal(1.0, fixture.Progress[^1].Fraction, 6);
        Assert.NotNull(fixture.Progress[^1].Result);
    }

    [Fact]
    public void PreviewsAndVerticesArriveEveryFewIterations()
    {
        var full = fixture.Progress.Where(p => p.Stage == OptimisationStage.Full).ToList();
        var withPreview = full.Where(p => p.PreviewPng is not null).Select(p => p.Iteration).ToList();
        Assert.Equal([4, 8, 12], withPreview);
        using var preview = Image.Load<Rgb24>(full[3].PreviewPng!);
        Assert.Equal(fixture.Options.PreviewSize, preview.Width);
        Assert.Equal(fixture.Reconstructor.Model.VertexCount * 3, full[3].Vertices![0].Length);
    }

    [Fact]
    public async Task DenseLandmarksJoinEveryStageAndTheirTermFalls()
    {
        var o = ReconstructorFixture.ShortFit();
        o.DenseLandmarks = true;
        o.PreviewEvery = 0;
        var progress = new List<OptimisationProgress<ReconstructionResult>>();
        fixture.Reconstructor.Dense ??= DenseLandmarker.Load(TestPaths.OpenStore());
        using var result = await fixture.Reconstructor.ReconstructAsync(ReconstructorFixture.SamplePhoto, o, progress.Add);
        foreach (var stage in new[] { OptimisationStage.Pose, OptimisationStage.Shape, OptimisationStage.Full })
        {
            Assert.All(progress.Where(p => p.Stage == stage), p => Assert.Contains("dense", p.Losses.Keys));
        }

        var pose = progress.Where(p => p.Stage == OptimisationStage.Pose).ToList();
        Assert.True(pose[^1].Losses["dense"] < pose[0].Losses["dense"] * 0.5, $"dense term {pose[0].Losses["dense"]} -> {pose[^1].Losses["dense"]}");
    }

    [Fact]
    public async Task DenseLandmarksWithoutTheirModelsAreAClearError()
    {
        using var bare = new Reconstructor(fixture.Reconstructor.Model, fixture.Reconstructor.Faces);
        var o = ReconstructorFixture.ShortFit();
        o.DenseLandmarks = true;
        var ex = await Assert.ThrowsAsync<ReconstructionException>(() => bare.ReconstructAsync(ReconstructorFixture.SamplePhoto, o));
        Assert.Contains("mediapipe-face", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLandmarkStagesPreviewARenderToo()
    {
        // The landmark stages render nothing for their loss; their previews still show the current codes over the
        // photo, so a watcher sees a render from the first steps rather than after the two landmark stages.
        // Their steps are cheap, so they render at a quarter of the preview rate (and at their last step); the
        // vertices still come at the full rate.
        var o = fixture.Options;
        var renderEvery = o.PreviewEvery * 4;
        var schedule = fixture.Reconstructor.ScheduleOf(o);
        foreach (var (stage, iterations) in new[] { (OptimisationStage.Pose, schedule.Pose), (OptimisationStage.Shape, schedule.Shape) })
        {
            var steps = fixture.Progress.Where(p => p.Stage == stage).ToList();
            var withVertices = steps.Where(p => p.Vertices is not null).Select(p => p.Iteration).ToList();
            Assert.Equal(Enumerable.Range(1, iterations).Where(i => i % o.PreviewEvery == 0 || i == iterations), withVertices);
            var rendered = steps.Where(p => p.PreviewPng is not null).Select(p => p.Iteration).ToList();
            Assert.Equal(Enumerable.Range(1, iterations).Where(i => i % renderEvery == 0 || i == iterations), rendered);
            using var preview = Image.Load<Rgb24>(steps.First(p => p.PreviewPng is not null).PreviewPng!);
            Assert.Equal(o.PreviewSize, preview.Width);
        }
    }

    [Fact]
    public void ExpressionsStayInTheBlendshapeRangeAndTheCodesHaveTheLayout()
    {
        var r = fixture.Result;
        Assert.Equal(r.Layout.Total, r.Codes.Length);
        var expression = r.Codes.AsSpan(r.Layout.ExpressionOffset, r.Layout.Expression).ToArray();
        Assert.All(expression, e => Assert.InRange(e, 0f, 1f));
        Assert.Contains(expression, e => e > 0.05f); // the subject smiles
        Assert.Equal(53, r.ExpressionNames.Count);
    }

    [Fact]
    public void WritesParamsTextureAndPictures()
    {
        using var cleanup = TempFolder.Create("faceclip-recon-", out var folder);
        var files = ReconstructionWriter.Write(fixture.Result, folder, "sample1.jpg");
        Assert.Equal(
            ["mesh-obj.zip", "mesh.glb", "mesh.mtl", "mesh.obj", "mesh.ply", "overlay.png", "params.json", "render.png", "texture.png"],
            files.Order(StringComparer.Ordinal));
        Assert.Contains("map_Kd texture.png", File.ReadAllText(Path.Combine(folder, "mesh.mtl")));
        var glb = SharpGLTF.Schema2.ModelRoot.Load(Path.Combine(folder, "mesh.glb"));
        var glbMesh = glb.LogicalMeshes.Single();
        Assert.Equal(53, glbMesh.Primitives[0].MorphTargetsCount);
        var weights = glbMesh.MorphWeights;
        var expression = fixture.Result.ExpressionWeights;
        Assert.Equal(expression[0], weights[0], 5);
        Assert.Equal(expression.Max(), weights.Max(), 5);
        using var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(folder, "mesh-obj.zip"));
        Assert.Equal(["mesh.mtl", "mesh.obj", "texture.png"], zip.Entries.Select(e => e.FullName).Order(StringComparer.Ordinal));
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "params.json")));
        var root = doc.RootElement;
        Assert.Equal("ict-facekit", root.GetProperty("model").GetString());
        Assert.Equal(68, root.GetProperty("landmarks2d").GetArrayLength());
        Assert.Equal(68, root.GetProperty("detected_landmarks2d").GetArrayLength());
        Assert.Equal(53, root.GetProperty("codes").GetProperty("expression").EnumerateObject().Count());
        Assert.Equal("face", root.GetProperty("critic").GetString());
        Assert.Equal("landmarks", root.GetProperty("initialiser").GetString());
        Assert.True(root.GetProperty("loss_history").GetArrayLength() > 100);
        using var overlay = Image.Load<Rgb24>(Path.Combine(folder, "overlay.png"));
        Assert.Equal((fixture.Result.PhotoWidth, fixture.Result.PhotoHeight), (overlay.Width, overlay.Height));
        Assert.Empty(Directory.GetDirectories(folder));
    }

    [Fact]
    public void TheTextureTakesTheSkinColourOfThePhoto()
    {
        using var texture = fixture.Result.Texture.Clone();
        double r = 0, g = 0, b = 0;
        var n = 0;
        texture.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var p in rows.GetRowSpan(y))
                {
                    r += p.R;
                    g += p.G;
                    b += p.B;
                    n++;
                }
            }
        });
        Assert.True(r / n > b / n, "skin is redder than it is blue");
        Assert.InRange(r / n, 60, 240);
    }

    [Fact]
    public async Task TheDetailPassFitsANormalMappedDisplacementAndExportsItsMaps()
    {
        var options = ReconstructorFixture.ShortFit();
        options.DetailPass = true;
        options.DetailIterations = 8;
        options.DenseDetailMesh = true;
        var progress = new List<OptimisationProgress<ReconstructionResult>>();
        using var r = await fixture.Reconstructor.ReconstructAsync(ReconstructorFixture.SamplePhoto, options, progress.Add);

        var detail = progress.Where(p => p.Stage == OptimisationStage.Detail).ToList();
        Assert.Equal(8, detail.Count);

        // The dense mesh: the front face split three times (a few hundred thousand vertices), displaced by the map.
        var dense = Assert.IsType<FaceClip.Core.Geometry.ExportMesh>(r.DenseMesh);
        Assert.InRange(dense.VertexCount, 200_000, 1_500_000);
        Assert.Equal(dense.VertexCount * 2, dense.Uvs!.Length);
        Assert.Equal([OptimisationStage.Full, OptimisationStage.Detail, OptimisationStage.Done], progress.Select(p => p.Stage).Distinct().Skip(2));
        Assert.All(detail, p => Assert.Contains("smoothness", p.Losses.Keys));
        Assert.NotNull(detail[3].Vertices);

        var details = Assert.IsType<DetailResult>(r.Details);
        Assert.InRange(details.MaxDisplacement, 1e-5f, 0.5f); // the map moved, by less than 5 mm
        Assert.Equal(8, details.Iterations);
        Assert.Equal(3 * options.DetailResolution * options.DetailResolution, details.TangentNormals.Length);
        Assert.True(details.BandErrorWith > 0 && details.BandErrorWithout > 0);

        // The meshes keep the fitted surface (the detail is in the maps): the same vertices as without the pass.
        Assert.Equal(fixture.Reconstructor.Model.VertexCount * 3, r.Vertices.Length);
        Assert.NotNull(r.Mesh.NormalTexture);
        Assert.Equal((4 * options.DetailResolution, 2 * options.DetailResolution), (r.Mesh.NormalTexture!.Width, r.Mesh.NormalTexture.Height));
        Assert.True(r.Mesh.BumpScale > 0);

        using (TempFolder.Create("faceclip-detail-", out var folder))
        {
            var files = ReconstructionWriter.Write(r, folder, "sample1.jpg");
            Assert.Contains(ReconstructionWriter.DisplacementFile, files);
            Assert.Contains(ReconstructionWriter.DenseObjFile, files);
            Assert.Contains(ReconstructionWriter.DensePlyFile, files);
            using var map = Image.Load<SixLabors.ImageSharp.PixelFormats.L16>(Path.Combine(folder, ReconstructionWriter.DisplacementFile));
            Assert.Equal(options.DetailResolution, map.Width);
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, ReconstructionWriter.ParamsFile)));
            var d = json.RootElement.GetProperty("detail");
            Assert.Equal("displacement.png", d.GetProperty("file").GetString());
            Assert.True(d.GetProperty("grey_65535_cm").GetDouble() > 0);

            // The OBJ's material names both maps, 16-bit PNGs inside the zip; the GLB's material has a normal texture.
            var mtl = File.ReadAllText(Path.Combine(folder, ReconstructionWriter.MtlFile));
            Assert.Contains($"norm {ReconstructionWriter.NormalMapFile}", mtl);
            Assert.Matches(@"bump -bm [0-9.Ee-]+ bump\.png", mtl);
            using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(folder, ReconstructionWriter.ObjZipFile)))
            {
                Assert.Contains(ReconstructionWriter.NormalMapFile, zip.Entries.Select(e => e.Name));
                Assert.Contains(ReconstructionWriter.BumpMapFile, zip.Entries.Select(e => e.Name));
            }

            using (var normal = Image.Load(Path.Combine(folder, ReconstructionWriter.NormalMapFile)))
            {
                Assert.Equal(48, normal.PixelType.BitsPerPixel);
            }

            var glb = SharpGLTF.Schema2.ModelRoot.Load(Path.Combine(folder, ReconstructionWriter.GlbFile));
            Assert.NotNull(glb.LogicalMaterials[0].FindChannel("Normal")!.Value.Texture);
        }

        Assert.Null(fixture.Result.Details); // off unless asked for
        Assert.Null(fixture.Result.Mesh.NormalTexture);
    }

    [Fact]
    public async Task APhotoWithNoFaceIsAClearError()
    {
        var path = Path.Combine(Path.GetTempPath(), $"noface-{Guid.NewGuid():N}.png");
        using (var blank = new Image<Rgb24>(320, 240, new Rgb24(90, 120, 160)))
        {
            await blank.SaveAsPngAsync(path);
        }

        try
        {
            var ex = await Assert.ThrowsAsync<ReconstructionException>(() => fixture.Reconstructor.ReconstructAsync(path, ReconstructorFixture.ShortFit()));
            Assert.Equal("No face was found in the image.", ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AFaceIndexOutOfRangeSaysHowManyWereFound()
    {
        var options = ReconstructorFixture.ShortFit();
        options.FaceIndex = 7;
        var ex = await Assert.ThrowsAsync<ReconstructionException>(() => fixture.Reconstructor.ReconstructAsync(ReconstructorFixture.SamplePhoto, options));
        Assert.Contains("3 face(s) were found", ex.Message);
    }

    [Fact]
    public async Task AFaceBelowTheMinimumSizeIsRefusedNamingTheMinimum()
    {
        var options = ReconstructorFixture.ShortFit();
        options.MinimumFaceSize = 5000;
        var ex = await Assert.ThrowsAsync<ReconstructionException>(() => fixture.Reconstructor.ReconstructAsync(ReconstructorFixture.SamplePhoto, options));
        Assert.Contains("the minimum is 5000 pixels", ex.Message);
    }

    [Fact]
    public async Task CancellationStopsTheFit()
    {
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var p in fixture.Reconstructor.RunAsync(ReconstructorFixture.SamplePhoto, ReconstructorFixture.ShortFit(), cancel.Token))
            {
                if (++seen == 5)
                {
                    cancel.Cancel();
                }
            }
        });
        Assert.InRange(seen, 5, 20);
    }
}
