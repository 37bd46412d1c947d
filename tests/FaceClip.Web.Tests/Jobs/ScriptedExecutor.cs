using FaceClip.Web.Jobs;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>An executor for plumbing tests: reports a fixed number of steps, optionally waits on a gate between
/// steps, and writes one artifact.</summary>
public sealed class ScriptedExecutor(int steps = 5) : IJobExecutor
{
    public SemaphoreSlim? Gate { get; init; }

    /// <summary>Fires when a job has started running.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The image each job was given to read.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Inputs { get; } = new();

    public async Task<IReadOnlyList<string>> ExecuteAsync(JobExecution job, IJobReporter reporter, CancellationToken cancellationToken)
    {
        Inputs.Enqueue(job.InputPath);
        Started.TrySetResult();
        if (!File.Exists(job.InputPath))
        {
            throw new FileNotFoundException("input missing", job.InputPath);
        }

        await reporter.StageAsync("fit", "cpu (test)", "face");
        for (var i = 1; i <= steps; i++)
        {
            if (Gate is not null)
            {
                await Gate.WaitAsync(cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            await reporter.ProgressAsync(new ProgressMessage
            {
                Stage = "fit",
                Iteration = i,
                TotalIterations = steps,
                Fraction = i / (double)steps,
                Losses = new Dictionary<string, double> { ["photo"] = 1.0 / i, ["landmarks"] = 2.0 / i },
            });
            await reporter.RenderAsync("fit", i, [0x89, (byte)'P', (byte)'N', (byte)'G', (byte)i]);
            await reporter.VerticesAsync("fit", i, new float[] { i, 0, 0, 0, i, 0 });
        }

        await File.WriteAllTextAsync(Path.Combine(job.OutputDirectory, "mesh.obj"), "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", cancellationToken);
        return ["mesh.obj"];
    }
}
