using FaceClip.Core.Expression;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using FaceClip.Web.Hosting;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Runs a job: reconstruction, then (when the job has prompts) the text-guided expression transfer. Every
/// step streams to the job's watchers (loss terms each iteration, a preview render and the vertex positions every few)
/// and the artifacts are written into the job's folder: the reconstruction at the top, each prompt in a subfolder.</summary>
public sealed class ReconstructionJobExecutor(
    ReconstructorProvider provider, IOptions<ReconstructionOptions> defaults, IOptions<TransferOptions> transferDefaults) : IJobExecutor
{
    public async Task<IReadOnlyList<string>> ExecuteAsync(JobExecution job, IJobReporter reporter, CancellationToken cancellationToken)
    {
        await reporter.StageAsync("loading models");
        var reconstructor = await Task.Run(provider.Get, cancellationToken);
        var options = OptionsFor(job.Request);
        var prompts = job.Request.Prompts;
        var share = prompts.Count > 0 ? 0.5 : 1.0;
        var critic = options.Critic == "auto" ? (reconstructor.ClipAvailable ? "clip" : "face") : options.Critic;
        string? stage = null;
        ReconstructionResult? result = null;
        await foreach (var p in reconstructor.RunAsync(job.InputPath, options, cancellationToken))
        {
            if (p.Stage != stage)
            {
                stage = p.Stage;
                await reporter.StageAsync(stage, critic: critic);
            }

            await ReportAsync(reporter, p.Stage, p.Iteration, p.StageIterations, p.Fraction * share, p.Elapsed, p.Remaining, p.Losses, p.PreviewPng, p.Vertices);
            result = p.Result ?? result;
        }

        using var fitted = result ?? throw new InvalidOperationException("The fit ended without a result.");
        var files = ReconstructionWriter.Write(fitted, job.OutputDirectory, Path.GetFileName(job.InputPath)).ToList();
        if (prompts.Count == 0)
        {
            return files;
        }

        var transfer = await Task.Run(provider.GetTransfer, cancellationToken);
        var transferOptions = transferDefaults.Value.Clone();
        transferOptions.Critic = job.Request.Critic;
        using var subject = TransferSubject.FromReconstruction(fitted, FaceImage.Load(job.InputPath), Path.GetFileName(job.InputPath));
        await reporter.StageAsync("expression", critic: transferOptions.Critic == "auto" ? (reconstructor.ClipAvailable ? "clip" : "face expression net") : transferOptions.Critic);
        TransferResult? transferred = null;
        await foreach (var p in transfer.RunAsync(subject, prompts, transferOptions, null, cancellationToken))
        {
            var fraction = share + ((1 - share) * p.Fraction);
            TimeSpan? remaining = p.Fraction > 0.02 ? p.Elapsed * ((1 - p.Fraction) / p.Fraction) : null;
            await ReportAsync(reporter, p.Stage, p.Iteration, p.Iterations, fraction, p.Elapsed, remaining, p.Losses, p.PreviewPng, p.Vertices?.FirstOrDefault());
            transferred = p.Result ?? transferred;
        }

        using var done = transferred ?? throw new InvalidOperationException("The expression transfer ended without a result.");
        files.AddRange(TransferWriter.Write(done, transfer.Model, job.OutputDirectory, subjectMesh: fitted.Mesh));
        return files;
    }

    private static async Task ReportAsync(IJobReporter reporter, string stage, int iteration, int iterations, double fraction, TimeSpan elapsed,
        TimeSpan? remaining, IReadOnlyDictionary<string, double> losses, byte[]? preview, float[]? vertices)
    {
        await reporter.ProgressAsync(new ProgressMessage
        {
            Stage = stage,
            Iteration = iteration,
            TotalIterations = iterations,
            Fraction = fraction,
            ElapsedSeconds = elapsed.TotalSeconds,
            RemainingSeconds = remaining?.TotalSeconds,
            Losses = new Dictionary<string, double>(losses),
        });
        if (preview is not null)
        {
            await reporter.RenderAsync(stage, iteration, preview);
        }

        if (vertices is not null)
        {
            await reporter.VerticesAsync(stage, iteration, vertices);
        }
    }

    private ReconstructionOptions OptionsFor(JobRequest request)
    {
        var options = defaults.Value.Clone();
        options.FaceIndex = request.FaceIndex;
        options.Critic = request.Critic;
        options.DetailPass = request.DetailPass;
        options.Iterations = request.Iterations ?? options.Iterations;
        options.Validate();
        return options;
    }
}
