namespace FaceClip.TestSupport;

/// <summary>
/// How tests wait. A test waits for the event it needs (a job's state from the hub, a render, a task completed by
/// the code under test), never for a clock: its verdict must be the same on a loaded machine as on an idle one.
/// <see cref="HangCap"/> exists only so that a test whose event never comes ends instead of hanging the run; it is
/// far above anything a healthy run needs and is never the thing a test checks.
/// </summary>
public static class TestWaits
{
    /// <summary>How long a wait may last before the test is taken to be hung.</summary>
    public static readonly TimeSpan HangCap = TimeSpan.FromMinutes(20);

    /// <summary><see cref="HangCap"/> in milliseconds (Playwright's unit).</summary>
    public static float HangCapMilliseconds => (float)HangCap.TotalMilliseconds;

    /// <summary>Waits for a task that an event completes; past <see cref="HangCap"/> the test fails as hung, naming what it waited for.</summary>
    public static async Task<T> WithinHangCap<T>(this Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(HangCap);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Hung: {what} did not happen within {HangCap.TotalMinutes} minutes (a cap for hung tests, not a timing check).", ex);
        }
    }

    /// <inheritdoc cref="WithinHangCap{T}(Task{T}, string)"/>
    public static async Task WithinHangCap(this Task task, string what)
    {
        try
        {
            await task.WaitAsync(HangCap);
        }
        catch (TimeoutException ex) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Hung: {what} did not happen within {HangCap.TotalMinutes} minutes (a cap for hung tests, not a timing check).", ex);
        }
    }
}
