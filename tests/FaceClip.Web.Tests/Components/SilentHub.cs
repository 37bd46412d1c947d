using FaceClip.Web.Jobs;
using Microsoft.AspNetCore.SignalR;

namespace FaceClip.Web.Tests.Components;

/// <summary>A jobs hub with no one connected, for component tests of pages that publish job events.</summary>
public sealed class SilentHub : IHubContext<JobsHub, IJobClient>
{
    public IHubClients<IJobClient> Clients { get; } = new NoClients();

    public IGroupManager Groups { get; } = new NoGroups();

    private sealed class NoClients : IHubClients<IJobClient>
    {
        private static readonly IJobClient NoOne = new Nobody();

        public IJobClient All => NoOne;
        public IJobClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => NoOne;
        public IJobClient Client(string connectionId) => NoOne;
        public IJobClient Clients(IReadOnlyList<string> connectionIds) => NoOne;
        public IJobClient Group(string groupName) => NoOne;
        public IJobClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => NoOne;
        public IJobClient Groups(IReadOnlyList<string> groupNames) => NoOne;
        public IJobClient User(string userId) => NoOne;
        public IJobClient Users(IReadOnlyList<string> userIds) => NoOne;
    }

    private sealed class Nobody : IJobClient
    {
        public Task State(JobStateMessage state) => Task.CompletedTask;

        public Task History(HistoryMessage history) => Task.CompletedTask;
        public Task Progress(ProgressMessage progress) => Task.CompletedTask;
        public Task Render(RenderMessage render) => Task.CompletedTask;
        public Task Vertices(VerticesMessage vertices) => Task.CompletedTask;
    }

    private sealed class NoGroups : IGroupManager
    {
        public Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
