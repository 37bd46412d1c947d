namespace FaceClip.Web.Jobs;

/// <summary>Deletes jobs: the photo, every artifact and the record, cancelling first (and waiting for the worker to
/// stop) when the job is queued or running. The REST endpoint, the pages and the retention purge delete through here.</summary>
public sealed class JobDeletion(JobStore store, JobQueue queue, JobEvents events, ILogger<JobDeletion> logger)
{
    /// <summary>Deletes an owner's job; false when <paramref name="owner"/> has no such job.</summary>
    public async Task<bool> DeleteAsync(string id, string? owner, CancellationToken cancellationToken = default)
    {
        if (await store.GetOwnedAsync(id, owner, cancellationToken) is null)
        {
            return false;
        }

        await RemoveAsync(id, cancellationToken);
        return true;
    }

    /// <summary>Deletes every job created before <paramref name="cutoff"/>, whoever owns it; returns how many.</summary>
    public async Task<int> PurgeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var ids = await store.CreatedBeforeAsync(cutoff, cancellationToken);
        foreach (var id in ids)
        {
            await RemoveAsync(id, cancellationToken);
        }

        if (ids.Count > 0)
        {
            logger.LogInformation("Retention: deleted {Count} job(s) created before {Cutoff:O}", ids.Count, cutoff);
        }

        return ids.Count;
    }

    private async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        await queue.CancelAsync(id);
        // The executor stops at its next step; its files are only removed once it no longer writes them (a worker on
        // another node that still writes after this removes what it wrote when it sees the record gone).
        await queue.WhenNotRunning(id, cancellationToken);
        await store.DeleteAsync(id, CancellationToken.None);
        await events.StateAsync(new JobStateMessage { JobId = id, Status = JobStates.Deleted });
    }
}
