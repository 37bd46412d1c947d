using FaceClip.Core.Runtime;

namespace FaceClip.Core.Tests.Runtime;

public sealed class ProgressStreamTests
{
    [Fact]
    public async Task ReportsArriveInOrderAndTheStreamEndsWithTheWork()
    {
        var seen = new List<int>();
        await foreach (var p in ProgressStream.Run<int>((report, _) =>
        {
            for (var i = 0; i < 50; i++)
            {
                report(i);
            }
        }, capacity: 2))
        {
            seen.Add(p);
        }

        Assert.Equal(Enumerable.Range(0, 50), seen);
    }

    [Fact]
    public async Task AFailureInTheWorkEndsTheStreamWithThatException()
    {
        var seen = new List<int>();
        var ex = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var p in ProgressStream.Run<int>((report, _) =>
            {
                report(1);
                throw new InvalidDataException("broken");
            }))
            {
                seen.Add(p);
            }
        });
        Assert.Equal("broken", ex.Message);
        Assert.Equal([1], seen);
    }

    [Fact]
    public async Task CancellingStopsTheWorkWhileItWaitsForTheReader()
    {
        using var cts = new CancellationTokenSource();
        var reported = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var p in ProgressStream.Run<int>((report, ct) =>
            {
                for (var i = 0; ; i++)
                {
                    ct.ThrowIfCancellationRequested();
                    report(i);
                    Interlocked.Increment(ref reported);
                }
            }, cts.Token, capacity: 1))
            {
                if (p == 3)
                {
                    await cts.CancelAsync();
                }
            }
        });
        Assert.InRange(reported, 4, 6); // the bounded channel held the loop back: it never ran ahead of the reader
    }
}
