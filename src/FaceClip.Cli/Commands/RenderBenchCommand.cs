using System.CommandLine;
using System.Diagnostics;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench render</c>: median times of a 224x224 render of the face (fitting) region, forward and
/// forward+backward, at batch 1 and 8; optionally writes sample pictures of the face model.</summary>
public static class RenderBenchCommand
{
    public static Command Build(CliContext context)
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs per figure (after 5 warm-up runs).", DefaultValueFactory = _ => 30 };
        var batches = new Option<int[]>("--batch") { Description = "Batch sizes to measure.", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true };
        var device = CommonOptions.Device();
        var pictures = new Option<DirectoryInfo?>("--pictures") { Description = "Also write sample renders of the face model (PNG) into this folder." };
        var command = new Command("render", "Differentiable renderer: median ms of a 224x224 face-region render, forward and forward+backward.")
        {
            runs, batches, device, pictures,
        };
        command.SetAction(parse => Run(context, parse.GetValue(runs), parse.GetValue(batches)!, parse.GetValue(device)!, parse.GetValue(pictures)));
        return command;
    }

    private static int Run(CliContext context, int runs, int[] batches, string deviceSpec, DirectoryInfo? pictures)
    {
        var compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceSpec });
        var loadClock = Stopwatch.StartNew();
        using var model = FaceModel.Load(context.Store, compute.Device);
        context.Output.WriteLine($"face model: {model.VertexCount} vertices, codes {model.Layout.Total}, loaded in {loadClock.Elapsed.TotalMilliseconds:F0} ms");
        using var fittingModel = model.CreateFittingModel();
        using var topology = fittingModel.CreateFittingTopology();
        using var fullTopology = model.CreateFittingTopology();
        var renderer = new MeshRenderer(new PerspectiveCamera());
        context.Output.WriteLine($"device: {compute.Description}, torch threads {compute.Threads}, .NET processors {Environment.ProcessorCount}; " +
                                 $"fitting region {topology.TriangleCount} triangles over {fittingModel.VertexCount} vertices, image {renderer.Camera.Width}x{renderer.Camera.Height}, runs {runs}");
        if (File.Exists("/proc/loadavg"))
        {
            context.Output.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
        }

        context.Output.WriteLine("times in ms: median (minimum)");
        context.Output.WriteLine("render: posed vertices, albedo and lighting -> image; codes->image: + shape, albedo and pose from the codes");
        context.Output.WriteLine("batch  covered px     visibility        forward     forward+backward  codes->image fwd+bwd  same, full-head model");
        foreach (var batch in batches)
        {
            Measure(context, fittingModel, topology, model, fullTopology, renderer, batch, runs);
        }

        if (pictures is not null)
        {
            WritePictures(model, renderer, pictures.FullName);
            context.Output.WriteLine($"pictures written to {pictures.FullName}");
        }

        return 0;
    }

    private static void Measure(CliContext context, FaceModel model, MeshTopology topology, FaceModel fullModel, MeshTopology fullTopology,
        MeshRenderer renderer, int batch, int runs)
    {
        using var outer = NewDisposeScope();
        Tensor shape;
        using (no_grad())
        {
            var codes = model.ZeroCodes(batch);
            var split = model.SplitCodes(codes);
            shape = model.ComputeShape(split.Shape, split.Expression).detach();
        }

        var angles = zeros(batch, 3, device: model.Device).requires_grad_();
        var translation = zeros(batch, 3, device: model.Device).requires_grad_();
        var albedo = model.MeanAlbedo.unsqueeze(0).expand(batch, -1, -1).contiguous().requires_grad_();
        var lighting = zeros(batch, 27, device: model.Device).requires_grad_();

        RenderOutput Forward()
        {
            var posed = FaceModel.ApplyPose(shape, FaceModel.ComputeRotation(angles), translation);
            return renderer.Render(FaceModel.ToCamera(posed, renderer.Camera), topology, albedo, lighting);
        }

        var covered = 0;
        var visibility = Time(runs, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var screen = renderer.Project(FaceModel.ToCamera(shape, renderer.Camera));
            covered = TriangleRasterizer.Rasterize(screen, topology, renderer.Camera.Width, renderer.Camera.Height).Count;
        });
        var forward = Time(runs, () =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            Forward();
        });
        var backward = Time(runs, () =>
        {
            using var scope = NewDisposeScope();
            var output = Forward();
            output.Image.square().mean().backward();
            ClearGradients(angles, translation, albedo, lighting);
        });

        var codesParameter = model.ZeroCodes(batch).requires_grad_();
        Action FromCodes(FaceModel m, MeshTopology t) => () =>
        {
            using var scope = NewDisposeScope();
            var split = m.SplitCodes(codesParameter);
            var output = renderer.Render(m.CameraVertices(split, renderer.Camera), t, m.ComputeAlbedo(split.Texture), split.Lighting);
            output.Image.square().mean().backward();
            ClearGradients(codesParameter);
        };
        var fromCodes = Time(runs, FromCodes(model, topology));
        var fromCodesFull = Time(runs, FromCodes(fullModel, fullTopology));
        context.Output.WriteLine($"{batch,5}  {covered,10}  {visibility,13}  {forward,13}  {backward,19}  {fromCodes,20}  {fromCodesFull,20}");
    }

    private static void ClearGradients(params Tensor[] tensors)
    {
        foreach (var t in tensors)
        {
            t.grad?.zero_();
        }
    }

    private static Timing Time(int runs, Action action)
    {
        for (var i = 0; i < 5; i++)
        {
            action();
        }

        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        var summary = SampleSummary.Of(times);
        return new Timing(summary.Median, summary.Minimum);
    }

    /// <summary>Sample sheets: the mean face (three views, and the fitting region), identity samples and expressions.</summary>
    private static void WritePictures(FaceModel model, MeshRenderer renderer, string folder)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var display = model.CreateDisplayTopology();
        using var fitting = model.CreateFittingTopology();
        var camera = new PerspectiveCamera(256, 256, Focal: 1015 * 256 / 224.0, Distance: 160);
        var sampleRenderer = new MeshRenderer(camera);
        var light = zeros(1, 27);
        for (var c = 0; c < 3; c++)
        {
            light[0, c * 9 + 1] = -0.15f;
            light[0, c * 9 + 2] = 0.20f;
            light[0, c * 9 + 3] = -0.10f;
        }

        Image<Rgb24> Draw(Tensor codes, MeshTopology topology, float yaw = 0)
        {
            using var inner = NewDisposeScope();
            var split = model.SplitCodes(codes);
            var posed = model.Pose(split.Shape, split.Expression, tensor(new[] { 0f, yaw, 0f }).view(1, 3), tensor(new[] { 0f, 1.5f, 0f }).view(1, 3));
            var output = sampleRenderer.Render(FaceModel.ToCamera(posed, camera), topology, model.ComputeAlbedo(split.Texture), light);
            return ImageFiles.ToRgbImage(output.Image[0], output.Mask[0]);
        }

        var zero = model.ZeroCodes(1);
        ImageFiles.SaveGrid([Draw(zero, display), Draw(zero, display, 0.6f), Draw(zero, display, -1.2f), Draw(zero, fitting)], 4,
            Path.Combine(folder, "face-mean.png"));

        var generator = new Random(7);
        var identities = new List<Image<Rgb24>>();
        for (var i = 0; i < 4; i++)
        {
            var codes = model.ZeroCodes(1);
            for (var k = 0; k < model.Layout.Shape; k++)
            {
                codes[0, model.Layout.ShapeOffset + k] = (float)(Normal(generator) * 1.5);
            }

            for (var k = 0; k < model.Layout.Texture; k++)
            {
                codes[0, model.Layout.TextureOffset + k] = (float)Normal(generator);
            }

            identities.Add(Draw(codes, display, i % 2 == 0 ? 0.3f : -0.3f));
        }

        ImageFiles.SaveGrid(identities, 4, Path.Combine(folder, "face-identities.png"));

        // The albedo of the last identity sample baked into the export texture atlas.
        var last = model.ZeroCodes(1);
        for (var k = 0; k < model.Layout.Texture; k++)
        {
            last[0, model.Layout.TextureOffset + k] = (float)Normal(generator);
        }

        var lastSplit = model.SplitCodes(last);
        var export = FaceMeshExport.Create(model, model.MeanShape, model.ComputeAlbedo(lastSplit.Texture), textureSize: 256, includeExpressions: false);
        export.Texture!.SaveAsPng(Path.Combine(folder, "face-albedo-atlas.png"));

        var expressions = new List<Image<Rgb24>>();
        string[][] sets = [["jawOpen"], ["mouthSmile_L", "mouthSmile_R", "cheekSquint_L", "cheekSquint_R"], ["eyeBlink_L", "eyeBlink_R", "browDown_L", "browDown_R"], ["browInnerUp_L", "browInnerUp_R", "browOuterUp_L", "browOuterUp_R", "eyeWide_L", "eyeWide_R", "jawOpen"]];
        foreach (var set in sets)
        {
            var codes = model.ZeroCodes(1);
            foreach (var name in set)
            {
                codes[0, model.Layout.ExpressionOffset + Array.IndexOf(model.Data.ExpressionNames, name)] = name == "jawOpen" && set.Length > 1 ? 0.3f : 1f;
            }

            expressions.Add(Draw(codes, display, 0.25f));
        }

        ImageFiles.SaveGrid(expressions, 4, Path.Combine(folder, "face-expressions.png"));
    }

    private readonly record struct Timing(double Median, double Minimum)
    {
        public override string ToString() => $"{Median:F2} ({Minimum:F2})";
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
