using Microsoft.Extensions.Options;

namespace FaceClip.Web.Jobs;

/// <summary>Deletes jobs older than <see cref="JobOptions.RetentionHours"/> (photo, artifacts and record), at start
/// and then every <see cref="JobOptions.RetentionSweepMinutes"/>.</summary>
public sealed class JobRetention(JobDeletion deletion, IOptions<JobOptions> options, TimeProvider clock, ILogger<JobRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var limits = options.Value;
        if (limits.RetentionHours <= 0)
        {
            logger.LogInformation("Retention is off (Jobs:RetentionHours is {Hours}): jobs are kept until deleted", limits.RetentionHours);
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(Math.Max(0.01, limits.RetentionSweepMinutes)), clock);
        do
        {
            try
            {
                await deletion.PurgeAsync(clock.GetUtcNow() - TimeSpan.FromHours(limits.RetentionHours), stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Retention sweep failed; it runs again in {Minutes} min", limits.RetentionSweepMinutes);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
