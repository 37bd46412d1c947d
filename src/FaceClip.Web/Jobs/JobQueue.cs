using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>The bounded queue of job ids waiting for the compute device, and the cancellation handle of each job
/// that is queued or running.</summary>
public sealed class JobQueue(IOptions<JobOptions> options)
{
    private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Math.Max(1, options.Value.QueueCapacity))
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
    });

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _cancellation = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _running = new();
    private int _waiting;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Queues a job; false when the queue is full.</summary>
    public bool TryEnqueue(string jobId)
    {
        _cancellation.TryAdd(jobId, new CancellationTokenSource());
        if (_channel.Writer.TryWrite(jobId))
        {
            Interlocked.Increment(ref _waiting);
            return true;
        }

        _cancellation.TryRemove(jobId, out _);
        return false;
    }

    public async IAsyncEnumerable<string> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var id in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            Interlocked.Decrement(ref _waiting);
            yield return id;
        }
    }

    /// <summary>The token that fires when the job is cancelled.</summary>
    public CancellationToken TokenFor(string jobId) => _cancellation.GetOrAdd(jobId, _ => new CancellationTokenSource()).Token;

    /// <summary>Asks a queued or running job to stop. False when the job is not queued or running here.</summary>
    public bool Cancel(string jobId)
    {
        if (!_cancellation.TryGetValue(jobId, out var source))
        {
            return false;
        }

        source.Cancel();
        return true;
    }

    /// <summary>A worker has taken the job off the queue (called before it reads the job's record).</summary>
    public void BeginRun(string jobId) =>
        _running[jobId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The worker is done with the job: its executor has returned and its end is recorded.</summary>
    public void EndRun(string jobId)
    {
        if (_running.TryRemove(jobId, out var done))
        {
            done.TrySetResult();
        }
    }

    /// <summary>Completes when no worker of this process is running the job.</summary>
    public Task WhenNotRunning(string jobId) => _running.TryGetValue(jobId, out var done) ? done.Task : Task.CompletedTask;

    public void Release(string jobId)
    {
        if (_cancellation.TryRemove(jobId, out var source))
        {
            source.Dispose();
        }
    }
}
