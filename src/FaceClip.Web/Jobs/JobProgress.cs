namespace FaceClip.Web.Jobs;

/// <summary>One stage a job will run: its name as progress reports give it, its steps, and what a step costs relative
/// to a step of the fit's full stage (used only until the stage's own steps have been timed).</summary>
public sealed record PlannedStage(string Name, int Steps, double Cost);

/// <summary>Where a whole job stands: the share done (0..1), the seconds since it started running, an estimate of the
/// seconds left (null until one step has been timed), and where each planned stage starts on the job's bar (0..1).</summary>
public sealed record JobEstimate(double Fraction, double ElapsedSeconds, double? RemainingSeconds, double[] Marks);

/// <summary>
/// The progress of a whole job from the steps its stages report: the fit's stages and the expression transfer run at
/// very different speeds (a landmark step is a fraction of a full step; a transfer step renders every prompt), so a
/// stage's steps are timed as they happen and the stages still to come are estimated from the latest timed stage and
/// their relative cost. The bar, the time left and the stage marks come from the same estimate.
/// </summary>
public sealed class JobProgress
{
    private readonly Func<TimeSpan> _clock;
    private readonly Timing[] _timings;
    private double _shown; // the largest fraction reported so far

    /// <param name="plan">The stages in the order they run.</param>
    /// <param name="clock">Time since the job started running.</param>
    public JobProgress(IReadOnlyList<PlannedStage> plan, Func<TimeSpan> clock)
    {
        Plan = plan;
        _clock = clock;
        _timings = plan.Select(_ => new Timing()).ToArray();
    }

    public IReadOnlyList<PlannedStage> Plan { get; }

    /// <summary>Relative step costs measured on the development machine (CPU, 2 cores): a landmark step of the pose or
    /// shape stage costs about a tenth of a full-stage step, a detail step a little more than one, a transfer step about
    /// one per prompt it renders. They only shape the first estimate; every stage is timed once it runs.</summary>
    public static IReadOnlyList<PlannedStage> PlanFor(int pose, int shape, int full, int detail, int transfer, int prompts)
    {
        var stages = new List<PlannedStage> { new("pose", pose, 0.1), new("shape", shape, 0.1), new("full", full, 1.0) };
        if (detail > 0)
        {
            stages.Add(new("detail", detail, 1.2));
        }

        if (prompts > 0 && transfer > 0)
        {
            stages.Add(new("transfer", transfer, 0.6 + (0.5 * prompts)));
        }

        return stages.Where(s => s.Steps > 0).ToList();
    }

    /// <summary>Where each planned stage starts on the bar before anything has run (by the planned cost).</summary>
    public double[] InitialMarks()
    {
        var total = Plan.Sum(s => s.Steps * s.Cost);
        var marks = new double[Plan.Count];
        var at = 0.0;
        for (var i = 0; i < Plan.Count; i++)
        {
            marks[i] = total > 0 ? at / total : 0;
            at += Plan[i].Steps * Plan[i].Cost;
        }

        return marks;
    }

    /// <summary>Records that <paramref name="stage"/> reached step <paramref name="iteration"/> now, and returns the
    /// job's estimate. A stage not in the plan (the final report of a run) only reads the estimate.</summary>
    public JobEstimate Step(string stage, int iteration)
    {
        var now = _clock().TotalSeconds;
        var index = IndexOf(stage);
        if (index >= 0)
        {
            var timing = _timings[index];
            timing.First ??= (iteration, now);
            timing.Last = (iteration, now);
            for (var i = 0; i < index; i++)
            {
                _timings[i].Over = true;
            }
        }

        // The bar never moves back: when a stage turns out slower than estimated, it waits for the time to catch up.
        var estimate = Estimate(now);
        _shown = Math.Max(_shown, estimate.Fraction);
        return estimate with { Fraction = _shown };
    }

    /// <summary>The estimate now, with every stage up to the last one reported counted as done when the job ends.</summary>
    public JobEstimate Estimate(double now)
    {
        var current = Array.FindLastIndex(_timings, t => t.First is not null);
        var durations = new double?[Plan.Count];
        double? reference = null; // seconds per unit of cost, from the latest timed stage
        for (var i = 0; i < Plan.Count; i++)
        {
            if (_timings[i].SecondsPerStep is { } rate && Plan[i].Cost > 0)
            {
                reference = rate / Plan[i].Cost;
            }
        }

        double? remaining = reference is null ? null : 0;
        for (var i = 0; i < Plan.Count; i++)
        {
            var t = _timings[i];
            var rate = t.SecondsPerStep ?? (reference * Plan[i].Cost);
            var spent = t.First is { } first && t.Last is { } last ? last.Time - first.Time : 0;
            if (i < current || (i == current && t.Over))
            {
                durations[i] = spent + (rate ?? 0);
                continue;
            }

            var stepsLeft = i == current ? Math.Max(0, Plan[i].Steps - t.Last!.Value.Iteration) : Plan[i].Steps;
            durations[i] = rate is null ? null : spent + (stepsLeft * rate.Value);
            remaining += stepsLeft * rate;
        }

        var marks = InitialMarks();
        var fraction = PlannedFraction();
        if (durations.All(d => d is not null))
        {
            var total = durations.Sum(d => d!.Value);
            if (total > 0)
            {
                var at = 0.0;
                for (var i = 0; i < Plan.Count; i++)
                {
                    marks[i] = at / total;
                    at += durations[i]!.Value;
                }

                fraction = Math.Clamp((total - remaining!.Value) / total, 0, 1);
            }
        }

        return new JobEstimate(fraction, now, remaining, marks);
    }

    /// <summary>The share done by the planned costs alone (before any step is timed).</summary>
    private double PlannedFraction()
    {
        var total = Plan.Sum(s => s.Steps * s.Cost);
        var done = 0.0;
        for (var i = 0; i < Plan.Count; i++)
        {
            var steps = _timings[i].Over ? Plan[i].Steps : Math.Min(Plan[i].Steps, _timings[i].Last?.Iteration ?? 0);
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

    private sealed class Timing
    {
        public (int Iteration, double Time)? First { get; set; }
        public (int Iteration, double Time)? Last { get; set; }

        /// <summary>A later stage has started.</summary>
        public bool Over { get; set; }

        /// <summary>Measured seconds per step, once two steps have been seen.</summary>
        public double? SecondsPerStep => First is { } f && Last is { } l && l.Iteration > f.Iteration ? (l.Time - f.Time) / (l.Iteration - f.Iteration) : null;
    }
}
