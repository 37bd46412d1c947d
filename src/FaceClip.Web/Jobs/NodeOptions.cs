namespace FaceClip.Web.Jobs;

/// <summary>What this process does in a deployment. Bound from the <c>Node</c> section.</summary>
public sealed class NodeOptions
{
    public const string SectionName = "Node";

    /// <summary><c>all</c> (the default: pages, API and worker), <c>web</c> (pages and API; loads no models and runs no
    /// jobs) or <c>worker</c> (runs jobs; serves only <c>/health</c>).</summary>
    public string Role { get; set; } = "all";

    /// <summary>This node's name among the workers (default: host name and process id).</summary>
    public string? Name { get; set; }

    public string ResolvedName => string.IsNullOrWhiteSpace(Name) ? $"{Environment.MachineName}-{Environment.ProcessId}" : Name;

    public bool ServesWeb => Is("all") || Is("web");

    public bool RunsJobs => Is("all") || Is("worker");

    private bool Is(string role) => string.Equals(Role, role, StringComparison.OrdinalIgnoreCase);

    /// <summary>A problem with the role, or null.</summary>
    public string? Problem(JobOptions jobs) =>
        !Is("all") && !Is("web") && !Is("worker") ? $"Node:Role is '{Role}'; it must be all, web or worker."
        : !jobs.IsDistributed && !Is("all") ? $"Node:Role '{Role}' needs Jobs:Backend distributed: with the embedded backend one process does everything."
        : null;
}
