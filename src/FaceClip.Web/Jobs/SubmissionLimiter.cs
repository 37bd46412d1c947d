using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Rate limits on submissions, per owner and per client address (fixed windows of
/// <see cref="JobOptions.RateLimitWindowSeconds"/>). The REST endpoint and the studio share them.</summary>
public sealed class SubmissionLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _owners;
    private readonly PartitionedRateLimiter<string> _addresses;

    public SubmissionLimiter(IOptions<JobOptions> options)
    {
        var limits = options.Value;
        var window = TimeSpan.FromSeconds(Math.Max(1, limits.RateLimitWindowSeconds));
        _owners = Create(limits.SubmissionsPerOwner, window);
        _addresses = Create(limits.SubmissionsPerAddress, window);
    }

    /// <summary>Takes one submission from both the owner's and the address's allowance; when either is spent, returns
    /// how long until it is refilled.</summary>
    public TimeSpan? TryAcquire(string owner, string address)
    {
        using var byAddress = _addresses.AttemptAcquire(address);
        if (!byAddress.IsAcquired)
        {
            return RetryAfter(byAddress);
        }

        using var byOwner = _owners.AttemptAcquire(owner);
        return byOwner.IsAcquired ? null : RetryAfter(byOwner);
    }

    public void Dispose()
    {
        _owners.Dispose();
        _addresses.Dispose();
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero ? after : TimeSpan.FromSeconds(1);

    private static PartitionedRateLimiter<string> Create(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, permits),
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
