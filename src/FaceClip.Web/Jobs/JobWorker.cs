using FaceClip.Core.Runtime;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>The hosted worker of the compute device: takes jobs off the queue (several at once where configured),
/// runs them through the executor, persists how they ended and publishes every event. A job reclaimed from a worker
/// that died is queued again in the store, cleared of what the first run left, and run from the start.</summary>
public sealed class JobWorker(
    JobQueue queue,
    JobStore store,
    JobEvents events,
    IJobExecutor executor,
    ComputeContext compute,
    IOptions<JobOptions> options,
    ILogger<JobWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var id in await store.RecoverAsync(stoppingToken))
        {
            if (!await queue.TryEnqueueAsync(id, stoppingToken))
            {
                logger.LogWarning("Job {Job} could not be queued again after a restart: the queue is full", id);
            }
        }

        var workers = Enumerable.Range(0, Math.Max(1, options.Value.ConcurrentJobs))
            .Select(_ => Task.Run(() => ConsumeAsync(stoppingToken), stoppingToken)).ToList();
        if (queue is RedisJobQueue shared)
        {
            workers.Add(shared.MaintainAsync(stoppingToken));
        }

        await Task.WhenAll(workers);
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var job in queue.ReadAllAsync(stoppingToken))
            {
                await RunAsync(job, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(QueuedJob job, CancellationToken stoppingToken)
    {
        var id = job.Id;
        // Marked running before the record is read: a deletion either removes the record first (and the job is
        // skipped here) or waits until this run has ended (JobDeletion).
        await queue.BeginRunAsync(job);
        var finished = false;
        try
        {
            await RunRecordAsync(job, stoppingToken);
            finished = true;
        }
        finally
        {
            if (await store.GetAsync(id, CancellationToken.None) is null)
            {
                // Deleted while it ran: whatever the executor wrote after the deletion goes too.
                store.DeleteFiles(id);
            }

            await queue.EndRunAsync(job);
            if (finished)
            {
                // Only now, with its end recorded, does the job leave the queue (a worker that dies first leaves it
                // to be reclaimed; one stopped by shutdown leaves it too).
                await queue.CompleteAsync(job);
            }

            MemoryRelease.AfterJob();
        }
    }

    private async Task RunRecordAsync(QueuedJob job, CancellationToken stoppingToken)
    {
        var id = job.Id;
        var record = await store.GetAsync(id, stoppingToken);
        if (record is { Status: JobStatus.Running } && job.Reclaimed && await store.RequeueAsync(id, stoppingToken))
        {
            logger.LogWarning("Job {Job} runs again: the worker that ran it stopped answering", id);
            store.ClearOutputs(record);
            record = record with { Status = JobStatus.Queued, StartedAt = null };
            await events.StateAsync(JobStateMapper.ToMessage(record));
        }

        if (record is null || record.Status != JobStatus.Queued)
        {
            queue.Release(id);
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, queue.TokenFor(id));
        var reporter = new Reporter(id, record, events, compute.Description);
        try
        {
            if (linked.IsCancellationRequested)
            {
                throw new OperationCanceledException(linked.Token);
            }

            if (!await store.MarkRunningAsync(id, stoppingToken))
            {
                return; // cancelled, deleted or taken by another worker since it was read
            }

            await reporter.StageAsync("starting");
            var folder = store.JobDirectory(id);
            var artifacts = await executor.ExecuteAsync(
                new JobExecution(id, store.WorkerInput(record), folder, record.Request), reporter, linked.Token);
            await FinishAsync(record, JobStatus.Completed, null, artifacts, reporter);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the job stays Running in the store and becomes Interrupted at the next start (one machine)
            // or is reclaimed by another worker (a cluster).
            logger.LogWarning("Job {Job} interrupted by shutdown", id);
            throw;
        }
        catch (Exception) when (!queue.Holds(id))
        {
            // Another worker reclaimed the job while this one was stalled (this run was cancelled, or failed because
            // the new run cleared its folder): the new worker records the job's end, not this one.
            logger.LogWarning("Job {Job} stopped here: another worker runs it now", id);
        }
        catch (OperationCanceledException)
        {
            await FinishAsync(record, JobStatus.Cancelled, "Cancelled by the user.", [], reporter);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Job {Job} failed", id);
            await FinishAsync(record, JobStatus.Failed, ex.Message, [], reporter);
        }
        finally
        {
            queue.Release(id);
        }
    }

    private async Task FinishAsync(JobRecord record, JobStatus status, string? error, IReadOnlyList<string> artifacts, Reporter reporter)
    {
        if (!queue.Holds(record.Id))
        {
            logger.LogWarning("Job {Job} ended here after another worker took it over; its end is left to that worker", record.Id);
            return;
        }

        // The timeline first, so a page that opens the job once it is marked finished finds it whole.
        try
        {
            await reporter.Timeline().SaveAsync(store, record.Id, CancellationToken.None);
        }
        catch (IOException ex)
        {
            logger.LogWarning(ex, "The timeline of job {Job} could not be kept", record.Id);
        }

        await store.MarkFinishedAsync(record.Id, status, error, artifacts, CancellationToken.None);
        await events.StateAsync(reporter.State(record with { Status = status, Error = error, Artifacts = artifacts }));
    }

    private sealed class Reporter(string id, JobRecord record, JobEvents events, string device) : IJobReporter
    {
        public string? Stage { get; private set; }
        public string Device { get; private set; } = device;
        public string? Critic { get; private set; }
        public int? Face { get; private set; } = record.Request.FaceIndex;
        public string[] Stages { get; private set; } = [];
        public double[] Marks { get; private set; } = [];

        public JobStateMessage State(JobRecord current)
        {
            var state = JobStateMapper.ToMessage(current, Stage, Device, Critic);
            state.Face = Face;
            state.Stages = Stages;
            state.Marks = Marks;
            return state;
        }

        private readonly List<ProgressMessage> _steps = [];

        /// <summary>Everything the job reported, as the timeline that replays it once the job has ended.</summary>
        public JobTimeline Timeline()
        {
            var steps = _steps.ToArray();
            return new JobTimeline
            {
                Face = Face, Stages = Stages, Marks = steps.Length > 0 && steps[^1].Marks.Length == Stages.Length ? steps[^1].Marks : Marks,
                Critic = Critic, Device = Device, Stage = Stage, Steps = steps,
            };
        }

        private Task PublishAsync() => events.StateAsync(State(record with { Status = JobStatus.Running }));

        public Task StageAsync(string stage, string? deviceDescription = null, string? critic = null)
        {
            Stage = stage;
            Device = deviceDescription ?? Device;
            Critic = critic ?? Critic;
            return PublishAsync();
        }

        public Task PlanAsync(IReadOnlyList<PlannedStage> stages, double[] marks)
        {
            Stages = stages.Select(s => s.Name).ToArray();
            Marks = marks;
            return PublishAsync();
        }

        public Task FaceAsync(int face)
        {
            Face = face;
            return PublishAsync();
        }

        public Task ProgressAsync(ProgressMessage progress)
        {
            progress.JobId = id;
            _steps.Add(progress);
            return events.ProgressAsync(progress);
        }

        public Task RenderAsync(string stage, int iteration, byte[] png) =>
            events.RenderAsync(new RenderMessage { JobId = id, Stage = stage, Iteration = iteration, Png = png });

        public Task VerticesAsync(string stage, int iteration, ReadOnlyMemory<float> positions)
        {
            var bytes = new byte[positions.Length * sizeof(float)];
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(positions.Span).CopyTo(bytes);
            return events.VerticesAsync(new VerticesMessage { JobId = id, Stage = stage, Iteration = iteration, VertexCount = positions.Length / 3, Positions = bytes });
        }
    }
}
