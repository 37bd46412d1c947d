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
    /// <summary>The crop of the fitted face, kept in the job's folder beside the photo (the job page and the jobs list
    /// show it).</summary>
    public const string FaceFile = "face.jpg";

    private readonly JobPaces _paces = new();

    public async Task<IReadOnlyList<string>> ExecuteAsync(JobExecution job, IJobReporter reporter, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var options = OptionsFor(job.Request);
        var prompts = job.Request.Prompts;
        var transferOptions = transferDefaults.Value.Clone();
        transferOptions.Critic = job.Request.Critic;
        var schedule = provider.ScheduleOf(options);
        var plan = JobProgress.PlanFor(schedule.Pose, schedule.Shape, schedule.Full, schedule.Detail, transferOptions.Iterations, prompts.Count);
        var progress = new JobProgress(_paces.Adjust(plan), () => clock.Elapsed);
        progress.Begin("preparing");
        await reporter.PlanAsync(progress.Shown, progress.InitialMarks());
        await reporter.StageAsync("loading models");
        var reconstructor = await Task.Run(provider.Get, cancellationToken);

        await reporter.StageAsync("finding the face");
        var image = await Task.Run(() => FaceImage.Load(job.InputPath), cancellationToken);
        ReconstructionResult result;
        try
        {
            var (faceIndex, analysis) = await Task.Run(() => ChooseFace(reconstructor, job, image, options.FaceIndex), cancellationToken);
            options.FaceIndex = faceIndex;
            await reporter.FaceAsync(faceIndex);
            result = await FitAsync(reconstructor, image, analysis, options, reporter, progress, clock, cancellationToken);
        }
        finally
        {
            image.Dispose(); // the photo's pixels are not held through the transfer
        }

        using var fitted = result;
        var files = ReconstructionWriter.Write(fitted, job.OutputDirectory, Path.GetFileName(job.InputPath)).ToList();
        if (prompts.Count == 0)
        {
            _paces.Learn(plan, progress.Durations());
            return files;
        }

        await reporter.StageAsync("loading the expression critic");
        var transfer = await Task.Run(provider.GetTransfer, cancellationToken);
        using var subject = TransferSubject.FromReconstruction(fitted, FaceImage.Load(job.InputPath), Path.GetFileName(job.InputPath));
        await reporter.StageAsync("transfer", critic: transfer.Critics.Resolve(transferOptions.Critic) == CriticKind.Clip ? "clip" : "face expression net");
        TransferResult? transferred = null;
        progress.Begin("transfer");
        var runStart = clock.Elapsed.TotalSeconds;
        double TakenAt(TimeSpan elapsed) => Math.Min(clock.Elapsed.TotalSeconds, runStart + elapsed.TotalSeconds);
        await foreach (var p in transfer.RunAsync(subject, prompts, transferOptions, null, cancellationToken))
        {
            if (p.Stage == OptimisationStage.Done)
            {
                progress.Begin("writing the expressions");
                await reporter.StageAsync("writing the expressions");
            }

            await ReportAsync(reporter, p, progress, TakenAt(p.Elapsed));
            transferred = p.Result ?? transferred;
        }

        using var done = transferred ?? throw new InvalidOperationException("The expression transfer ended without a result.");
        files.AddRange(TransferWriter.Write(done, transfer.Model, job.OutputDirectory, subjectMesh: fitted.Mesh));
        _paces.Learn(plan, progress.Durations());
        return files;
    }

    /// <summary>Runs the fit of the chosen face, streaming its steps; the faces found are not detected again.</summary>
    private static async Task<ReconstructionResult> FitAsync(Reconstructor reconstructor, FaceImage image, FaceAnalysis analysis, ReconstructionOptions options,
        IJobReporter reporter, JobProgress progress, System.Diagnostics.Stopwatch clock, CancellationToken cancellationToken)
    {
        var critic = reconstructor.Critics.Resolve(options.Critic).Name();
        OptimisationStage? stage = null;
        ReconstructionResult? result = null;
        // When a run took a step, on the job's clock: the run's own clock from where it started (never later than now).
        var runStart = clock.Elapsed.TotalSeconds;
        double TakenAt(TimeSpan elapsed) => Math.Min(clock.Elapsed.TotalSeconds, runStart + elapsed.TotalSeconds);
        await foreach (var p in reconstructor.RunAsync(image, analysis, options, cancellationToken))
        {
            if (p.Stage != stage)
            {
                stage = p.Stage;
                await reporter.StageAsync(p.Stage == OptimisationStage.Done ? "writing the fit" : p.Stage.Name(), critic: critic);
                if (p.Stage == OptimisationStage.Done)
                {
                    progress.Begin("writing the fit");
                }
            }

            await ReportAsync(reporter, p, progress, TakenAt(p.Elapsed));
            result = p.Result ?? result;
        }

        return result ?? throw new InvalidOperationException("The fit ended without a result.");
    }

    /// <summary>The face the job fits: the one asked for, else the largest (<see cref="FaceChoice"/>, as the studio
    /// preselects); its crop is kept as <see cref="FaceFile"/>. An index past the faces found is left to the fit, which
    /// says how many there are. The faces found are the fit's too.</summary>
    private static (int Index, FaceAnalysis Analysis) ChooseFace(Reconstructor reconstructor, JobExecution job, FaceImage image, int? requested)
    {
        var analysis = reconstructor.Faces.Analyse(image, expressions: false, descriptors: false);
        var faces = analysis.Faces;
        var index = FaceChoice.Resolve(requested, faces) ?? throw new ReconstructionException("No face was found in the image.");
        if (index < faces.Count)
        {
            using var rgb = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgb24>(image.Rgb, image.Width, image.Height);
            using var crop = FaceClip.Web.Inputs.PhotoFaces.Crop(rgb, faces[index].Box);
            var path = Path.Combine(job.OutputDirectory, FaceFile);
            var temporary = path + ".tmp";
            SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(crop, temporary);
            File.Move(temporary, path, overwrite: true);
        }

        return (index, analysis);
    }

    /// <summary>Streams one step to the job's watchers: its losses and where the whole job stands, and its preview and
    /// first head's vertices when it has them. <paramref name="at"/> is when the run took the step, on the job's clock
    /// (from the run's own clock: its reports are buffered and can be read in bursts).</summary>
    private static async Task ReportAsync<TResult>(IJobReporter reporter, OptimisationProgress<TResult> p, JobProgress progress, double at)
        where TResult : class
    {
        var stage = p.Stage.Name();
        var estimate = progress.Step(stage, p.Iteration, at);
        if (p.Stage != OptimisationStage.Done)
        {
            await reporter.ProgressAsync(new ProgressMessage
            {
                Stage = stage,
                Iteration = p.Iteration,
                TotalIterations = p.StageIterations,
                Fraction = estimate.Fraction,
                ElapsedSeconds = estimate.ElapsedSeconds,
                RemainingSeconds = estimate.RemainingSeconds,
                Marks = estimate.Marks,
                Losses = new Dictionary<string, double>(p.Losses),
            });
        }
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
