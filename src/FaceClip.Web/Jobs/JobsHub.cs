using FaceClip.Web.Owners;
using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Jobs;

/// <summary><c>/hubs/jobs</c>: a client subscribes to one of its owner's jobs by id and receives its events: current
/// state first, then the steps so far, then each event as it happens. Another owner's job answers as a job that does not
/// exist.</summary>
public sealed class JobsHub(JobStore store, JobEvents events) : Hub<IJobClient>
{
    public async Task Subscribe(string jobId)
    {
        var record = await store.GetOwnedAsync(jobId, Owner.Of(Context.User), Context.ConnectionAborted)
                     ?? throw new HubException("No such job.");
        await events.SubscribeAsync(jobId, Context.ConnectionId, Clients.Caller, async () =>
        {
            // Not live here: the stored job, with the timeline it keeps once it has run.
            var fresh = await store.GetAsync(jobId, Context.ConnectionAborted) ?? record;
            var timeline = await JobTimeline.LoadAsync(store, jobId, Context.ConnectionAborted);
            return timeline is null ? (JobStateMapper.ToMessage(fresh), []) : (timeline.Describe(fresh), timeline.Steps);
        });
        if (await store.GetAsync(jobId, Context.ConnectionAborted) is null)
        {
            // Deleted between the check above and joining the job's group: the deletion's event went out before.
            await Clients.Caller.State(new JobStateMessage { JobId = jobId, Status = JobStates.Deleted });
        }
    }

    public Task Unsubscribe(string jobId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, JobEvents.Group(jobId));
}
