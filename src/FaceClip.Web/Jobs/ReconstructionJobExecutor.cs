using FaceClip.Core.Reconstruction;
using FaceClip.Web.Hosting;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Runs a job's reconstruction: streams every fit step to the job's watchers (loss terms each iteration,
/// a preview render and the vertex positions every few) and writes the artifacts into the job's folder.</summary>
public sealed class ReconstructionJobExecutor(ReconstructorProvider provider, IOptions<ReconstructionOptions> defaults) : IJobExecutor
{
    public async Task<IReadOnlyList<string>> ExecuteAsync(JobExecution job, IJobReporter reporter, CancellationToken cancellationToken)
    {
        if (job.Request.Prompts.Count > 0)
        {
            throw new NotSupportedException("Expression prompts are not available in this version; submit the photo without prompts.");
        }

        await reporter.StageAsync("loading models");
        var reconstructor = await Task.Run(provider.Get, cancellationToken);
        var options = OptionsFor(job.Request);
        string? stage = null;
        ReconstructionResult? result = null;
        await foreach (var p in reconstructor.RunAsync(job.InputPath, options, cancellationToken))
        {
            if (p.Stage != stage)
            {
                stage = p.Stage;
                await reporter.StageAsync(stage, critic: options.Critic == "auto" ? (reconstructor.ClipAvailable ? "clip" : "face") : options.Critic);
            }

            await reporter.ProgressAsync(new ProgressMessage
            {
                Stage = p.Stage,
                Iteration = p.Iteration,
                TotalIterations = p.StageIterations,
                Fraction = p.Fraction,
                ElapsedSeconds = p.Elapsed.TotalSeconds,
                RemainingSeconds = p.Remaining?.TotalSeconds,
                Losses = new Dictionary<string, double>(p.Losses),
            });
            if (p.PreviewPng is { } png)
            {
                await reporter.RenderAsync(p.Stage, p.Iteration, png);
            }

            if (p.Vertices is { } vertices)
            {
                await reporter.VerticesAsync(p.Stage, p.Iteration, vertices);
            }

            result = p.Result ?? result;
        }

        using var fitted = result ?? throw new InvalidOperationException("The fit ended without a result.");
        return ReconstructionWriter.Write(fitted, job.OutputDirectory, Path.GetFileName(job.InputPath));
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
