using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Jobs;

/// <summary><c>/hubs/jobs</c>: a client subscribes to a job by id and receives its events, current state first.</summary>
public sealed class JobsHub(JobStore store, JobEvents events) : Hub<IJobClient>
{
    public async Task Subscribe(string jobId)
    {
        var record = await store.GetAsync(jobId, Context.ConnectionAborted)
                     ?? throw new HubException("No such job.");
        await events.SubscribeAsync(jobId, Context.ConnectionId, Clients.Caller, JobStateMapper.ToMessage(record));
    }

    public Task Unsubscribe(string jobId) => Groups.RemoveFromGroupAsync(Context.ConnectionId, JobEvents.Group(jobId));
}
