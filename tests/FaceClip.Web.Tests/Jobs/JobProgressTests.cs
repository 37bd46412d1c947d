using FaceClip.Web.Jobs;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>The whole job's progress and time left, from the steps its stages report (a clock the test moves).</summary>
public sealed class JobProgressTests
{
    private double _now;

    private JobProgress Job(int prompts = 1) =>
        new(JobProgress.PlanFor(pose: 10, shape: 10, full: 20, detail: 0, transfer: 10, prompts: prompts), () => TimeSpan.FromSeconds(_now));

    /// <summary>Runs a stage's steps, each taking <paramref name="seconds"/>, and returns the estimate after each.</summary>
    private List<JobEstimate> Run(JobProgress job, string stage, int steps, double seconds)
    {
        var estimates = new List<JobEstimate>();
        for (var i = 1; i <= steps; i++)
        {
            _now += seconds;
            estimates.Add(job.Step(stage, i));
        }

        return estimates;
    }

    [Fact]
    public void BeforeAnyStepIsTimedThereIsNoTimeLeftAndTheMarksFollowThePlannedCosts()
    {
        var job = Job();
        var first = job.Step("pose", 1);
        Assert.Null(first.RemainingSeconds);
        Assert.Equal(["pose", "shape", "full", "transfer"], job.Plan.Select(s => s.Name));
        var marks = job.InitialMarks();
        Assert.Equal(0, marks[0]);
        Assert.True(marks[1] < marks[2] && marks[2] < marks[3], "the marks are in stage order");
        Assert.True(marks[2] < 0.2, "the two landmark stages are a small part of the job");
    }

    [Fact]
    public void TheTimeLeftIsTheWholeJobsNotTheCurrentStages()
    {
        var job = Job();
        var pose = Run(job, "pose", 10, 0.1);
        // At the end of the quick pose stage, most of the job is still to come: far more than the stage's own 0 s.
        var atEndOfPose = pose[^1];
        Assert.NotNull(atEndOfPose.RemainingSeconds);
        Assert.True(atEndOfPose.RemainingSeconds > 10, $"remaining {atEndOfPose.RemainingSeconds} s after 1 s of a job of about 30 s");
        Assert.True(atEndOfPose.Fraction < 0.1);
    }

    [Fact]
    public void OnceEachStageIsTimedTheEstimateIsItsStepsLeftAtItsOwnPace()
    {
        var job = Job();
        Run(job, "pose", 10, 0.1);
        Run(job, "shape", 10, 0.1);
        var full = Run(job, "full", 10, 1.0);
        // Full steps take 1 s: 10 left (10 s), then 10 transfer steps at the planned 1.1 full steps each (11 s).
        Assert.Equal(21, full[^1].RemainingSeconds!.Value, 6);
        var transfer = Run(job, "transfer", 10, 3.0);
        Assert.Equal(0, transfer[^1].RemainingSeconds!.Value, 6);
        Assert.Equal(1, transfer[^1].Fraction, 6);
        Assert.Equal(3.0 * 5, transfer[4].RemainingSeconds!.Value, 6); // five 3 s steps left, at the measured pace
    }

    [Fact]
    public void TheFractionOnlyGrowsAndTheMarksStayInOrder()
    {
        var job = Job(prompts: 3);
        var all = Run(job, "pose", 10, 0.05).Concat(Run(job, "shape", 10, 0.2)).Concat(Run(job, "full", 20, 0.8)).Concat(Run(job, "transfer", 10, 2.5)).ToList();
        for (var i = 1; i < all.Count; i++)
        {
            Assert.True(all[i].Fraction >= all[i - 1].Fraction - 1e-9, $"the fraction fell at step {i}: {all[i - 1].Fraction} to {all[i].Fraction}");
            Assert.True(all[i].Marks.Zip(all[i].Marks.Skip(1)).All(m => m.First <= m.Second));
        }

        Assert.Equal(1, all[^1].Fraction, 6);
    }
}
