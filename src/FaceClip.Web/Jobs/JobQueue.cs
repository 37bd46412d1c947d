using System.Collections.Concurrent;

namespace FaceClip.Web.Jobs;

/// <summary>A job a worker has taken off the queue: its id, the queue's handle for acknowledging it (null in the
/// embedded queue) and whether it was reclaimed from a worker that stopped answering.</summary>
public sealed record QueuedJob(string Id, string? Delivery = null, bool Reclaimed = false);

/// <summary>
/// The queue of job ids waiting for a compute device, and the cancellation handle of each job this process is running.
/// <see cref="EmbeddedJobQueue"/> keeps the queue in the process (one machine); <see cref="RedisJobQueue"/> keeps it on a
/// Redis stream that every node shares.
/// </summary>
public abstract class JobQueue
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellation = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _running = new();

    /// <summary>Jobs queued and not yet taken by a worker.</summary>
    public abstract ValueTask<int> WaitingAsync(CancellationToken cancellationToken = default);

    /// <summary>Queues a job; false when the queue is full.</summary>
    public abstract ValueTask<bool> TryEnqueueAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>The jobs this process's workers are to run, one at a time per reader.</summary>
    public abstract IAsyncEnumerable<QueuedJob> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>The worker is done with a job it took (its end is recorded): the queue forgets it.</summary>
    public virtual ValueTask CompleteAsync(QueuedJob job) => ValueTask.CompletedTask;

    /// <summary>Asks a queued or running job to stop, wherever it runs (the job stops at its next step and reports
    /// <see cref="JobStatus.Cancelled"/>). False when the embedded queue does not know the job.</summary>
    public virtual ValueTask<bool> CancelAsync(string jobId) => ValueTask.FromResult(CancelHere(jobId));

    /// <summary>The token that fires when the job is cancelled.</summary>
    public CancellationToken TokenFor(string jobId) => _cancellation.GetOrAdd(jobId, _ => new CancellationTokenSource()).Token;

    /// <summary>Cancels the job if this process queued or runs it.</summary>
    protected bool CancelHere(string jobId)
    {
        if (!_cancellation.TryGetValue(jobId, out var source))
        {
            return false;
        }

        source.Cancel();
        return true;
    }

    /// <summary>Registers a cancellation handle for a job before it is queued.</summary>
    protected void Track(string jobId) => _cancellation.TryAdd(jobId, new CancellationTokenSource());

    /// <summary>A worker has taken the job off the queue (called before it reads the job's record).</summary>
    public virtual Task BeginRunAsync(QueuedJob job)
    {
        _running[job.Id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return Task.CompletedTask;
    }

    /// <summary>The worker is done with the job: its executor has returned and its end is recorded.</summary>
    public virtual Task EndRunAsync(QueuedJob job)
    {
        if (_running.TryRemove(job.Id, out var done))
        {
            done.TrySetResult();
        }

        return Task.CompletedTask;
    }

    /// <summary>Whether this process's worker still holds the job (false once another worker has reclaimed it: the
    /// first worker then records nothing).</summary>
    public virtual bool Holds(string jobId) => true;

    /// <summary>Completes when no worker of this process is running the job.</summary>
    public virtual Task WhenNotRunning(string jobId, CancellationToken cancellationToken = default) => RunningHere(jobId).WaitAsync(cancellationToken);

    protected Task RunningHere(string jobId) => _running.TryGetValue(jobId, out var done) ? done.Task : Task.CompletedTask;

    protected bool IsRunningHere(string jobId) => _running.ContainsKey(jobId);

    protected IEnumerable<string> RunningJobs => _running.Keys;

    public void Release(string jobId)
    {
        if (_cancellation.TryRemove(jobId, out var source))
        {
            source.Dispose();
        }
    }
}
