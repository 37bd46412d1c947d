using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>The bounded in-process queue of a single machine.</summary>
public sealed class EmbeddedJobQueue(IOptions<JobOptions> options) : JobQueue
{
    private readonly Channel<string> _channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Math.Max(1, options.Value.QueueCapacity))
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
    });

    private int _waiting;

    public override ValueTask<int> WaitingAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(Volatile.Read(ref _waiting));

    public override ValueTask<bool> TryEnqueueAsync(string jobId, CancellationToken cancellationToken = default)
    {
        Track(jobId);
        if (_channel.Writer.TryWrite(jobId))
        {
            Interlocked.Increment(ref _waiting);
            return ValueTask.FromResult(true);
        }

        Release(jobId);
        return ValueTask.FromResult(false);
    }

    public override async IAsyncEnumerable<QueuedJob> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var id in _channel.Reader.ReadAllAsync(cancellationToken))
        {
            Interlocked.Decrement(ref _waiting);
            yield return new QueuedJob(id);
        }
    }
}
