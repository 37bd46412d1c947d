using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Jobs;

/// <summary><c>/hubs/jobs</c>: a client subscribes to a job by id and receives its events: current state first, then
/// the steps so far, then each event as it happens.</summary>
public sealed class JobsHub(JobStore store, JobEvents events) : Hub<IJobClient>
{
    public async Task Subscribe(string jobId)
    {
        var record = await store.GetAsync(jobId, Context.ConnectionAborted)
                     ?? throw new HubException("No such job.");
        await events.SubscribeAsync(jobId, Context.ConnectionId, Clients.Caller, async () =>
        {
            // Not live here: the stored job, with the timeline it keeps once it has run.
            var fresh = await store.GetAsync(jobId, Context.ConnectionAborted) ?? record;
            var timeline = await JobTimeline.LoadAsync(store, jobId, Context.ConnectionAborted);
            return timeline is null ? (JobStateMapper.ToMessage(fresh), []) : (timeline.Describe(fresh), timeline.Steps);
        });
    }

    public Task Unsubscribe(string jobId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, JobEvents.Group(jobId));
}
