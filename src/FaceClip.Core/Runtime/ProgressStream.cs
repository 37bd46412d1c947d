using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace FaceClip.Core.Runtime;

/// <summary>
/// Runs a blocking, progress-reporting computation (an optimisation loop) on a worker thread and streams its reports
/// as they come. The channel is bounded, so a slow reader holds the loop back rather than piling up previews; an
/// exception in the loop (cancellation included) ends the stream with that exception.
/// </summary>
public static class ProgressStream
{
    /// <param name="work">The computation: it calls its first argument with each report and honours the token.</param>
    /// <param name="cancellationToken">Stops the computation (it throws <see cref="OperationCanceledException"/>).</param>
    /// <param name="capacity">Reports buffered before the computation waits for the reader.</param>
    public static async IAsyncEnumerable<T> Run<T>(Action<Action<T>, CancellationToken> work,
        [EnumeratorCancellation] CancellationToken cancellationToken = default, int capacity = 8)
    {
        ArgumentNullException.ThrowIfNull(work);
        var channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        var worker = Task.Run(() =>
        {
            try
            {
                work(p => channel.Writer.WriteAsync(p, cancellationToken).AsTask().GetAwaiter().GetResult(), cancellationToken);
                channel.Writer.Complete();
            }
            catch (Exception ex)
            {
                channel.Writer.Complete(ex);
            }
        }, CancellationToken.None);

        await foreach (var progress in channel.Reader.ReadAllAsync(CancellationToken.None))
        {
            yield return progress;
        }

        await worker;
    }
}
