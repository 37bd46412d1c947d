using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceClip.Core.Clip;
using FaceClip.Core.Evaluation;
using FaceClip.Core.Runtime;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Cli.Commands;

/// <summary><c>faceclip bench clip</c>: median forward and forward+backward times of the paper's two CLIP image towers
/// (ViT-B/32 at 224, RN50x4 at 288) with random weights.</summary>
public static class ClipBenchCommand
{
    public static Command Build(CliContext context)
    {
        var runs = new Option<int>("--runs") { Description = "Timed runs per figure (after one warm-up run).", DefaultValueFactory = _ => 5 };
        var batches = new Option<int[]>("--batch") { Description = "Batch sizes.", DefaultValueFactory = _ => [1, 8], AllowMultipleArgumentsPerToken = true };
        var models = new Option<string[]>("--model") { Description = "Towers: ViT-B/32, RN50x4 (any released name works).", DefaultValueFactory = _ => ["ViT-B/32", "RN50x4"], AllowMultipleArgumentsPerToken = true };
        var device = CommonOptions.Device();
        var threads = new Option<int>("--threads") { Description = "LibTorch CPU threads (0: default).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("clip", "Median forward and forward+backward (to the input image) times of CLIP image encoders with random weights.")
        {
            runs, batches, models, device, threads, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(runs), parse.GetValue(batches)!, parse.GetValue(models)!, parse.GetValue(device)!, parse.GetValue(threads), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, int runs, int[] batches, string[] models, string deviceSpec, int threads, bool asJson)
    {
        if (runs < 1 || batches.Length == 0 || batches.Any(b => b < 1))
        {
            throw new CliUserException("--runs and every --batch must be at least 1.");
        }

        ComputeContext compute;
        try
        {
            compute = TorchRuntime.Configure(new ComputeOptions { Device = deviceSpec, Threads = threads });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new CliUserException(ex.Message);
        }

        var rows = new List<Row>();
        foreach (var name in models)
        {
            ClipConfig config;
            try
            {
                config = ClipConfig.Named(name);
            }
            catch (ArgumentException ex)
            {
                throw new CliUserException(ex.Message);
            }

            using var model = new ClipModel(config with { Text = null });
            var tower = model.Visual;
            model.to(compute.Device);
            tower.eval();
            foreach (var p in tower.parameters())
            {
                p.requires_grad = false;
            }

            foreach (var batch in batches)
            {
                var forward = MedianOfRuns(runs, () =>
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    var x = randn(batch, 3, config.ImageResolution, config.ImageResolution, device: compute.Device);
                    return Time(compute.Device, () => tower.forward(x));
                });
                var backward = MedianOfRuns(runs, () =>
                {
                    using var scope = NewDisposeScope();
                    var x = randn(batch, 3, config.ImageResolution, config.ImageResolution, device: compute.Device).requires_grad_(true);
                    return Time(compute.Device, () =>
                    {
                        tower.forward(x).square().sum().backward();
                        return x.grad!;
                    });
                });
                rows.Add(new Row(name, config.ImageResolution, batch, forward.WallMs, backward.WallMs, forward.CpuMs, backward.CpuMs));
                if (!asJson)
                {
                    context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {name} batch {batch}: forward {forward.WallMs:F1} ms (cpu {forward.CpuMs:F0} ms), forward+backward {backward.WallMs:F1} ms (cpu {backward.CpuMs:F0} ms)"));
                }
            }
        }

        if (asJson)
        {
            context.Output.WriteLine(JsonSerializer.Serialize(new
            {
                device = compute.Description,
                runs,
                results = rows.Select(r => new { model = r.Model, resolution = r.Resolution, batch = r.Batch, forward_ms = r.ForwardMs, forward_backward_ms = r.BackwardMs, forward_cpu_ms = r.ForwardCpuMs, forward_backward_cpu_ms = r.BackwardCpuMs }),
            }, new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            context.Console.MarkupLine($"Device: [bold]{Markup.Escape(compute.Description)}[/], median of {runs} run(s) after a warm-up, random weights, gradient to the input image; cpu = process CPU time over all threads");
            var table = new Table().AddColumns("image encoder", "input", "batch", "forward ms", "forward+backward ms", "fwd cpu ms", "fwd+bwd cpu ms");
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.Model), $"{r.Resolution}x{r.Resolution}", r.Batch.ToString(CultureInfo.InvariantCulture),
                    r.ForwardMs.ToString("F1", CultureInfo.InvariantCulture), r.BackwardMs.ToString("F1", CultureInfo.InvariantCulture),
                    r.ForwardCpuMs.ToString("F0", CultureInfo.InvariantCulture), r.BackwardCpuMs.ToString("F0", CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
        }

        return 0;
    }

    private sealed record Row(string Model, int Resolution, int Batch, double ForwardMs, double BackwardMs, double ForwardCpuMs, double BackwardCpuMs);

    /// <summary>One warm-up run, then the medians of <paramref name="runs"/> timed runs' wall and CPU times.</summary>
    private static (double WallMs, double CpuMs) MedianOfRuns(int runs, Func<(double, double)> measure)
    {
        measure(); // warm-up
        var samples = Enumerable.Range(0, runs).Select(_ => measure()).ToArray();
        return (Statistics.Median(samples.Select(s => s.Item1)), Statistics.Median(samples.Select(s => s.Item2)));
    }

    /// <summary>Wall-clock time and this process's CPU time (all threads) of one run; on a shared machine the CPU time
    /// divided by the thread count is the steadier figure.</summary>
    private static (double WallMs, double CpuMs) Time(Device device, Func<Tensor> work)
    {
        Synchronize(device);
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        var result = work();
        _ = result.sum().item<float>(); // forces completion on any device
        Synchronize(device);
        var wall = watch.Elapsed.TotalMilliseconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds);
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }
}
