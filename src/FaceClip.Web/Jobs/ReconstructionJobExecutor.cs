using FaceClip.Core.Expression;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
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
        var critic = reconstructor.Critics.Resolve(options.Critic).Name();
        OptimisationStage? stage = null;
        ReconstructionResult? result = null;
        await foreach (var p in reconstructor.RunAsync(job.InputPath, options, cancellationToken))
        {
            if (p.Stage != stage)
            {
                stage = p.Stage;
                await reporter.StageAsync(p.Stage.Name(), critic: critic);
            }

            await ReportAsync(reporter, p, p.Fraction * share, p.Remaining);
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
        await reporter.StageAsync("expression", critic: transfer.Critics.Resolve(transferOptions.Critic) == CriticKind.Clip ? "clip" : "face expression net");
        TransferResult? transferred = null;
        await foreach (var p in transfer.RunAsync(subject, prompts, transferOptions, null, cancellationToken))
        {
            var fraction = share + ((1 - share) * p.Fraction);
            await ReportAsync(reporter, p, fraction, p.Remaining);
            transferred = p.Result ?? transferred;
        }

        using var done = transferred ?? throw new InvalidOperationException("The expression transfer ended without a result.");
        files.AddRange(TransferWriter.Write(done, transfer.Model, job.OutputDirectory, subjectMesh: fitted.Mesh));
        return files;
    }

    /// <summary>Streams one step to the job's watchers: its losses, and its preview and first head's vertices when it
    /// has them; <paramref name="fraction"/> is the share of the whole job.</summary>
    private static async Task ReportAsync<TResult>(IJobReporter reporter, OptimisationProgress<TResult> p, double fraction, TimeSpan? remaining)
        where TResult : class
    {
        var stage = p.Stage.Name();
        await reporter.ProgressAsync(new ProgressMessage
        {
            Stage = stage,
            Iteration = p.Iteration,
            TotalIterations = p.StageIterations,
            Fraction = fraction,
            ElapsedSeconds = p.Elapsed.TotalSeconds,
            RemainingSeconds = remaining?.TotalSeconds,
            Losses = new Dictionary<string, double>(p.Losses),
        });
        if (p.PreviewPng is not null)
        {
            await reporter.RenderAsync(stage, p.Iteration, p.PreviewPng);
        }

        if (p.Vertices is { Count: > 0 } vertices)
        {
            await reporter.VerticesAsync(stage, p.Iteration, vertices[0]);
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
