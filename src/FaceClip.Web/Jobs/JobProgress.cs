namespace FaceClip.Web.Jobs;

/// <summary>One stage a job will run: its name as progress reports give it, its steps, and what a step costs relative
/// to a step of the fit's full stage. A task (<see cref="Shown"/> false) is one piece of work between the optimisation
/// stages (loading models, writing the fit's files): it counts on the bar and in the time left but has no mark.</summary>
public sealed record PlannedStage(string Name, int Steps, double Cost, bool Shown = true)
{
    /// <summary>A one-off task costing <paramref name="cost"/> full-stage steps.</summary>
    public static PlannedStage Task(string name, double cost) => new(name, 1, cost, Shown: false);
}

/// <summary>Where a whole job stands: the share done (0..1), the seconds since it started running, an estimate of the
/// seconds left (null until one step has been timed), and where each shown stage starts on the job's bar (0..1).</summary>
public sealed record JobEstimate(double Fraction, double ElapsedSeconds, double? RemainingSeconds, double[] Marks);

/// <summary>
/// The progress of a whole job, in time: the bar is the share of the job's expected duration that has passed, and the
/// time left is what the stages still to run are expected to take. A stage under way is timed as it runs; a stage to
/// come is its planned cost times the pace of the latest timed stage. A stage's own pace is trusted in proportion to
/// the steps seen (the first few are blended with the pace its plan predicts), so a quick start does not throw the bar
/// ahead; and the bar never moves back. The costs come from <see cref="JobPaces"/>, which learns them from the jobs run.
/// </summary>
public sealed class JobProgress
{
    /// <summary>How many steps the planned pace of a stage counts for, against its measured steps.</summary>
    private const double PriorSteps = 5;

    /// <summary>How many steps the first timed stage takes before its pace is trusted (there is no plan to blend with).</summary>
    private const int FirstSteps = 3;

    private readonly Func<TimeSpan> _clock;
    private readonly double?[] _starts;
    private readonly (int Iteration, double Time)?[] _last;
    private readonly (int Iteration, double Time)?[] _origin; // where a stage's pace is measured from
    private int _current = -1;
    private double _shown; // the largest fraction reported so far

    /// <param name="plan">The stages and tasks in the order they run.</param>
    /// <param name="clock">Time since the job started running.</param>
    public JobProgress(IReadOnlyList<PlannedStage> plan, Func<TimeSpan> clock)
    {
        Plan = plan;
        _clock = clock;
        _starts = new double?[plan.Count];
        _last = new (int, double)?[plan.Count];
        _origin = new (int, double)?[plan.Count];
    }

    public IReadOnlyList<PlannedStage> Plan { get; }

    /// <summary>The stages that have a mark on the bar, in order.</summary>
    public IReadOnlyList<PlannedStage> Shown => Plan.Where(s => s.Shown).ToList();

    /// <summary>The default costs, measured on the development machine (CPU, 2 cores, 40 full steps): a landmark step of
    /// the pose or shape stage is about a sixth of a full-stage step, a detail step a little more than one, a transfer
    /// step about 0.5 plus 2.5 per prompt it renders; loading the models and finding the face about 10, writing the fit
    /// (and loading the expression critic) about 40, writing each prompt's files about 20. They shape the estimate only
    /// until the stages are timed; <see cref="JobPaces"/> replaces them with what the server's own jobs took.</summary>
    public static IReadOnlyList<PlannedStage> PlanFor(int pose, int shape, int full, int detail, int transfer, int prompts)
    {
        var stages = new List<PlannedStage>
        {
            PlannedStage.Task("preparing", 10), new("pose", pose, 0.17), new("shape", shape, 0.17), new("full", full, 1.0),
        };
        if (detail > 0)
        {
            stages.Add(new("detail", detail, 1.2));
        }

        if (prompts > 0 && transfer > 0)
        {
            stages.Add(PlannedStage.Task("writing the fit", 40));
            stages.Add(new("transfer", transfer, 0.5 + (2.5 * prompts)));
            stages.Add(PlannedStage.Task("writing the expressions", 20 * prompts));
        }
        else
        {
            stages.Add(PlannedStage.Task("writing the fit", 15));
        }

        return stages.Where(s => s.Steps > 0).ToList();
    }

    /// <summary>Where each shown stage starts on the bar before anything has run (by the planned costs).</summary>
    public double[] InitialMarks() => MarksOf(Plan.Select(s => s.Steps * s.Cost).ToArray());

    /// <summary>Records that the stage or task <paramref name="stage"/> begins now (the stages before it are over) and
    /// returns the estimate. A name not in the plan only reads the estimate.</summary>
    public JobEstimate Begin(string stage)
    {
        var now = _clock().TotalSeconds;
        Enter(IndexOf(stage), now);
        return Report(now);
    }

    /// <summary>Records that <paramref name="stage"/> reached step <paramref name="iteration"/>, and returns the job's
    /// estimate then. <paramref name="at"/> is when the step was taken, in seconds of the job's clock (a run's reports
    /// are buffered, so they can be read in bursts); now when not given. A stage not in the plan (the final report of a
    /// run) only reads the estimate.</summary>
    public JobEstimate Step(string stage, int iteration, double? at = null)
    {
        var now = at ?? _clock().TotalSeconds;
        var index = IndexOf(stage);
        if (Enter(index, now, iteration))
        {
            _last[index] = (iteration, now);
        }

        return Report(now);
    }

    /// <summary>How long each stage or task took, in plan order (null for one that never ran); the one under way counts
    /// up to now.</summary>
    public double?[] Durations()
    {
        var now = _clock().TotalSeconds;
        var durations = new double?[Plan.Count];
        for (var i = 0; i <= _current; i++)
        {
            if (_starts[i] is { } start)
            {
                durations[i] = (NextStart(i) ?? now) - start;
            }
        }

        return durations;
    }

    /// <summary>The estimate at <paramref name="now"/> (seconds since the job started).</summary>
    public JobEstimate Estimate(double now)
    {
        var expected = new double[Plan.Count]; // each stage's whole duration, measured or expected
        double? remaining = null;
        double? pace = null; // seconds per unit of cost, from the latest timed stage
        for (var i = 0; i < Plan.Count; i++)
        {
            var stage = Plan[i];
            var planned = pace * stage.Cost; // seconds per step the plan predicts from the stages before
            if (i < _current && _starts[i] is { } start)
            {
                expected[i] = NextStart(i)!.Value - start;
                if (SecondsPerStep(i) is { } timed && stage.Cost > 0)
                {
                    pace = timed / stage.Cost;
                }

                continue;
            }

            if (i == _current && _starts[i] is { } begun)
            {
                var spent = now - begun;
                var left = 0.0;
                var seen = _last[i] is { } l ? l.Iteration - _origin[i]!.Value.Iteration : 0;
                if (_last[i] is { } last && SecondsPerStep(i) is { } measured && (planned is not null || seen >= FirstSteps))
                {
                    var rate = planned is { } p ? ((PriorSteps * p) + (seen * measured)) / (PriorSteps + seen) : measured;
                    left = Math.Max(0, (last.Time - begun) + (Math.Max(0, stage.Steps - last.Iteration) * rate) - spent);
                    pace = stage.Cost > 0 ? rate / stage.Cost : pace;
                }
                else if (planned is { } p)
                {
                    left = Math.Max(0, (stage.Steps * p) - spent);
                }
                else
                {
                    expected[i] = spent;
                    continue; // nothing timed yet: no time left to give
                }

                expected[i] = spent + left;
                remaining = (remaining ?? 0) + left;
                continue;
            }

            if (planned is { } future)
            {
                expected[i] = stage.Steps * future;
                remaining = (remaining ?? 0) + expected[i];
            }
        }

        if (remaining is null || pace is null)
        {
            return new JobEstimate(PlannedFraction(), now, null, InitialMarks());
        }

        var total = now + remaining.Value;
        var fraction = total > 0 ? Math.Clamp(now / total, 0, 1) : 0;
        return new JobEstimate(fraction, now, remaining, MarksOf(expected));
    }

    private JobEstimate Report(double now)
    {
        // The bar never moves back: when a stage turns out slower than estimated, it waits for the time to catch up.
        var estimate = Estimate(now);
        _shown = Math.Max(_shown, estimate.Fraction);
        return estimate with { Fraction = _shown };
    }

    /// <summary>Marks the stage at <paramref name="index"/> (and any skipped before it) as begun; false for a name not
    /// in the plan. A stage begins when the one before it took its last step, when that is known: what a run does after
    /// its last step (assembling its result) belongs to what comes next. A stage first heard of by its own report
    /// (<paramref name="iteration"/>) with no such boundary is timed from that report on.</summary>
    private bool Enter(int index, double now, int? iteration = null)
    {
        if (index < 0)
        {
            return false;
        }

        for (var i = _current + 1; i <= index; i++)
        {
            var boundary = i == _current + 1 && _current >= 0 ? _last[_current]?.Time : null;
            _starts[i] = boundary ?? now;
            _origin[i] = boundary is null && i == index && iteration is { } first ? (first, now) : (0, _starts[i]!.Value);
            _current = i;
        }

        return true;
    }

    /// <summary>A stage's measured seconds per step, once it has taken a step past where it is measured from.</summary>
    private double? SecondsPerStep(int index) =>
        _last[index] is { } last && _origin[index] is { } origin && last.Iteration > origin.Iteration
            ? (last.Time - origin.Time) / (last.Iteration - origin.Iteration)
            : null;

    private double? NextStart(int index)
    {
        for (var i = index + 1; i < Plan.Count; i++)
        {
            if (_starts[i] is { } start)
            {
                return start;
            }
        }

        return null;
    }

    /// <summary>Where each shown stage starts, given every stage's duration.</summary>
    private double[] MarksOf(double[] durations)
    {
        var total = durations.Sum();
        var marks = new List<double>();
        var at = 0.0;
        for (var i = 0; i < Plan.Count; i++)
        {
            if (Plan[i].Shown)
            {
                marks.Add(total > 0 ? at / total : 0);
            }

            at += durations[i];
        }

        return [.. marks];
    }

    /// <summary>The share done by the planned costs alone (before any step is timed).</summary>
    private double PlannedFraction()
    {
        var total = Plan.Sum(s => s.Steps * s.Cost);
        var done = 0.0;
        for (var i = 0; i < Plan.Count && i <= _current; i++)
        {
            var steps = i < _current ? Plan[i].Steps : Math.Min(Plan[i].Steps, _last[i]?.Iteration ?? 0);
            done += steps * Plan[i].Cost;
        }

        return total > 0 ? done / total : 0;
    }

    private int IndexOf(string stage)
    {
        for (var i = 0; i < Plan.Count; i++)
        {
            if (string.Equals(Plan[i].Name, stage, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>
/// The costs of a job's stages as this server's own jobs measured them: after each finished job, each stage's seconds
/// per step over the full stage's gives its cost, kept per stage as a share of <see cref="JobProgress.PlanFor"/>'s
/// default (so a transfer's cost still grows with its prompts). A GPU host, where the fit's steps are cheap beside
/// writing files, gets its own proportions after one job. Thread-safe; in memory for the life of the process.
/// </summary>
public sealed class JobPaces
{
    private readonly object _gate = new();
    private readonly Dictionary<string, double> _scale = new(StringComparer.Ordinal);

    /// <summary>The plan with each stage's cost scaled to what finished jobs measured.</summary>
    public IReadOnlyList<PlannedStage> Adjust(IReadOnlyList<PlannedStage> plan)
    {
        lock (_gate)
        {
            return plan.Select(s => _scale.TryGetValue(s.Name, out var k) ? s with { Cost = s.Cost * k } : s).ToList();
        }
    }

    /// <summary>Learns from a finished job: <paramref name="plan"/> as <see cref="JobProgress.PlanFor"/> gave it (the
    /// default costs) and the seconds each stage took. Needs the full stage to have run.</summary>
    public void Learn(IReadOnlyList<PlannedStage> plan, IReadOnlyList<double?> durations)
    {
        var full = Enumerable.Range(0, plan.Count).FirstOrDefault(i => plan[i].Name == "full", -1);
        if (full < 0 || durations[full] is not { } fullSeconds || fullSeconds <= 0 || plan[full].Steps == 0)
        {
            return;
        }

        var fullStep = fullSeconds / plan[full].Steps;
        lock (_gate)
        {
            for (var i = 0; i < plan.Count; i++)
            {
                if (i != full && durations[i] is { } seconds && plan[i].Steps > 0 && plan[i].Cost > 0)
                {
                    var cost = seconds / plan[i].Steps / fullStep;
                    _scale[plan[i].Name] = Math.Clamp(cost / plan[i].Cost, 0.01, 100);
                }
            }
        }
    }
}
