using FaceClip.Web.Jobs;

namespace FaceClip.Web.Tests.Jobs;

/// <summary>The whole job's progress and time left, from the stages and steps it reports (a clock the test moves),
/// checked against the true share of the job's time that has passed.</summary>
public sealed class JobProgressTests
{
    private double _now;

    /// <summary>What one stage of a simulated job really takes: seconds per step (a task is one step), the first step's
    /// when it differs, and the seconds after its last step before the next stage begins (a run assembling its result).</summary>
    private sealed record Actual(string Stage, int Steps, double Seconds, double FirstSeconds = -1, double Tail = 0);

    /// <summary>Seconds per step as measured on the development machine for one prompt (see the plan's defaults), but
    /// for a transfer three times slower and writing twice as slow as the defaults say.</summary>
    private static readonly Actual[] SlowTransfer =
    [
        new("preparing", 1, 1.0), new("pose", 10, 0.017), new("shape", 10, 0.017), new("full", 20, 0.1, Tail: 3.0),
        new("writing the fit", 1, 5.0), new("transfer", 10, 0.9), new("writing the expressions", 1, 4.0),
    ];

    private static IReadOnlyList<PlannedStage> Plan(int prompts = 1) =>
        JobProgress.PlanFor(pose: 10, shape: 10, full: 20, detail: 0, transfer: 10, prompts: prompts);

    /// <summary>Runs the job as the executor reports it (a task begins, then ends when the next stage begins; a stage
    /// begins, then reports each step) and returns each estimate with the true share of time passed.</summary>
    private List<(string Stage, JobEstimate Estimate, double Truth)> Run(JobProgress job, IReadOnlyList<Actual> actual)
    {
        var start = _now;
        var total = actual.Sum(a => (a.Steps * a.Seconds) + (a.FirstSeconds >= 0 ? a.FirstSeconds - a.Seconds : 0) + a.Tail);
        var seen = new List<(string, JobEstimate, double)>();
        foreach (var a in actual)
        {
            var estimate = job.Begin(a.Stage);
            seen.Add((a.Stage, estimate, (_now - start) / total));
            if (job.Plan.Single(s => s.Name == a.Stage).Shown)
            {
                for (var i = 1; i <= a.Steps; i++)
                {
                    _now += i == 1 && a.FirstSeconds >= 0 ? a.FirstSeconds : a.Seconds;
                    seen.Add((a.Stage, job.Step(a.Stage, i), (_now - start) / total));
                }

                _now += a.Tail;
                seen.Add((a.Stage, job.Step("done", a.Steps), (_now - start) / total)); // the run's final report
            }
            else
            {
                _now += a.Steps * a.Seconds;
            }
        }

        return seen;
    }

    private JobProgress Job(IReadOnlyList<PlannedStage> plan)
    {
        var origin = _now;
        return new(plan, () => TimeSpan.FromSeconds(_now - origin));
    }

    [Fact]
    public void BeforeAnyStepIsTimedThereIsNoTimeLeftAndOnlyTheStagesHaveMarks()
    {
        var job = Job(Plan());
        var first = job.Begin("preparing");
        Assert.Null(first.RemainingSeconds);
        Assert.Equal(["pose", "shape", "full", "transfer"], job.Shown.Select(s => s.Name));
        Assert.Equal(["preparing", "pose", "shape", "full", "writing the fit", "transfer", "writing the expressions"], job.Plan.Select(s => s.Name));
        var marks = job.InitialMarks();
        Assert.Equal(4, marks.Length);
        Assert.True(marks[0] > 0, "preparing comes before the pose stage's mark");
        Assert.True(marks[0] < marks[1] && marks[1] < marks[2] && marks[2] < marks[3], "the marks are in stage order");
        Assert.True(marks[2] < 0.2, "the two landmark stages are a small part of the job");
    }

    [Fact]
    public void TheTimeLeftIsTheWholeJobsTasksIncluded()
    {
        var job = Job(Plan());
        var seen = Run(job, SlowTransfer);
        // At the end of the quick pose stage, most of the job is still to come: far more than the stage's own 0 s.
        var atEndOfPose = seen.Last(s => s.Stage == "pose").Estimate;
        Assert.True(atEndOfPose.RemainingSeconds > 10, $"remaining {atEndOfPose.RemainingSeconds} s after the pose stage of a job of about 25 s");
        // At the end of the full stage the estimate counts writing the fit and the expressions as well as the transfer.
        var atEndOfFull = seen.Last(s => s.Stage == "full").Estimate.RemainingSeconds!.Value;
        var transferOnly = 10 * 0.1 * (0.5 + 2.5);
        Assert.True(atEndOfFull > transferOnly + 5, $"remaining {atEndOfFull} s at the end of the full stage: the transfer alone is planned at {transferOnly} s");
    }

    [Fact]
    public void AQuickStartDoesNotThrowTheBarAhead()
    {
        // The full stage's first steps are five times quicker than the rest; the planned costs are right.
        Actual[] job =
        [
            new("preparing", 1, 1.0), new("pose", 10, 0.017), new("shape", 10, 0.017), new("full", 40, 0.1, FirstSeconds: 0.02),
            new("writing the fit", 1, 4.0), new("transfer", 10, 0.3), new("writing the expressions", 1, 2.0),
        ];
        var seen = Run(Job(Plan()), job);
        var worst = seen.Max(s => s.Estimate.Fraction - s.Truth);
        Assert.True(worst < 0.1, $"the bar ran {worst:P0} ahead of the time passed");
    }

    [Fact]
    public void ASecondJobLearnsThePacesAndTracksTheTime()
    {
        var paces = new JobPaces();
        var plan = Plan();
        var first = Job(paces.Adjust(plan));
        var seen = Run(first, SlowTransfer);
        var firstWorst = seen.Max(s => Math.Abs(s.Estimate.Fraction - s.Truth));
        paces.Learn(plan, first.Durations());

        var second = Job(paces.Adjust(plan));
        var again = Run(second, SlowTransfer);
        var worst = again.Max(s => Math.Abs(s.Estimate.Fraction - s.Truth));
        Assert.True(worst < 0.05, $"the second job's bar was {worst:P0} off the time passed (the first's {firstWorst:P0})");
        Assert.True(firstWorst > 2 * worst, $"the first job, on the default costs, was {firstWorst:P0} off; the second {worst:P0}");
        var total = SlowTransfer.Sum(a => (a.Steps * a.Seconds) + a.Tail);
        var atFirstStep = again.First(s => s.Estimate.RemainingSeconds is not null).Estimate;
        Assert.InRange(atFirstStep.ElapsedSeconds + atFirstStep.RemainingSeconds!.Value, 0.9 * total, 1.1 * total);

        // A transfer with three prompts is still planned as dearer than one with one.
        var three = paces.Adjust(Plan(prompts: 3)).Single(s => s.Name == "transfer").Cost;
        Assert.True(three > 2 * paces.Adjust(plan).Single(s => s.Name == "transfer").Cost);
    }

    [Fact]
    public void ReportsReadInABurstAreTimedWhenTheStepsWereTaken()
    {
        // Ten pose steps of 0.1 s each, read all at once at the end: timed by when each was taken, the pace is 0.1 s.
        var live = Job(Plan());
        var burst = Job(Plan());
        live.Begin("preparing");
        burst.Begin("preparing");
        var start = _now;
        JobEstimate? fromLive = null;
        for (var i = 1; i <= 10; i++)
        {
            _now += 0.1;
            fromLive = live.Step("pose", i);
        }

        JobEstimate? fromBurst = null;
        for (var i = 1; i <= 10; i++)
        {
            fromBurst = burst.Step("pose", i, at: start + (0.1 * i));
        }

        Assert.Equal(fromLive!.RemainingSeconds!.Value, fromBurst!.RemainingSeconds!.Value, 3);
        Assert.Equal(fromLive.Fraction, fromBurst.Fraction, 6);
    }

    [Fact]
    public void TheFractionOnlyGrowsAndTheBarIsAlwaysAtOrPastTheCurrentStagesMark()
    {
        var job = Job(Plan(prompts: 3));
        var shown = job.Shown.Select(s => s.Name).ToList();
        var seen = Run(job, SlowTransfer);
        for (var i = 1; i < seen.Count; i++)
        {
            var (stage, estimate, _) = seen[i];
            Assert.True(estimate.Fraction >= seen[i - 1].Estimate.Fraction - 1e-9, $"the fraction fell at step {i}: {seen[i - 1].Estimate.Fraction} to {estimate.Fraction}");
            Assert.True(estimate.Marks.Zip(estimate.Marks.Skip(1)).All(m => m.First <= m.Second));
            if (shown.IndexOf(stage) is var mark and >= 0 && estimate.RemainingSeconds is not null)
            {
                Assert.True(estimate.Fraction >= estimate.Marks[mark] - 1e-9, $"{stage}: the bar at {estimate.Fraction} before its mark {estimate.Marks[mark]}");
            }
        }

    }
}
