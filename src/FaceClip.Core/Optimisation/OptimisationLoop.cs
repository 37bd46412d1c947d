using TorchSharp;
using static TorchSharp.torch;

namespace FaceClip.Core.Optimisation;

/// <summary>
/// The one optimisation loop of the product, used by the fit's stages, the detail pass, the expression transfer and
/// the training of the mapper and of the regressor. Each step, in its own dispose scope: cancel if asked, zero the
/// gradients, compute the objective, back-propagate, skip the step if any gradient is not finite (counted, leaving the
/// parameters and the optimiser's state as they were, as mixed-precision training skips overflowing steps: one NaN
/// would otherwise spread through Adam's moments into every later step), else step and project the parameters onto
/// their constraints, then report. The loop owns nothing: one loop (and its optimiser) can run several spans of steps,
/// so a mapper trained across many subjects keeps its Adam state from one visit to the next.
/// </summary>
public sealed class OptimisationLoop
{
    private readonly optim.Optimizer _optimizer;
    private readonly Action? _project;

    /// <param name="optimizer">The optimiser (the caller disposes it).</param>
    /// <param name="project">Called after every step taken, under <c>no_grad</c>: clamps or projects parameters
    /// onto their constraints.</param>
    public OptimisationLoop(optim.Optimizer optimizer, Action? project = null)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        _project = project;
    }

    /// <summary>Steps skipped so far because a gradient was not finite.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Steps taken or skipped so far.</summary>
    public int Steps { get; private set; }

    /// <summary>Sets the learning rate of every parameter group (a schedule's step).</summary>
    public void SetLearningRate(double rate)
    {
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }
    }

    /// <summary>Runs <paramref name="iterations"/> steps. <paramref name="objective"/> gets the step number (from 1)
    /// and builds the step's loss; <paramref name="report"/> gets the step number, the loss (its tensors still alive:
    /// it runs inside the step's dispose scope) and whether the step was skipped.</summary>
    public void Run<TStep>(int iterations, Func<int, TStep> objective, Action<int, TStep, bool>? report = null, CancellationToken cancellationToken = default)
        where TStep : IStepLoss
    {
        ArgumentNullException.ThrowIfNull(objective);
        for (var it = 1; it <= iterations; it++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            _optimizer.zero_grad();
            var step = objective(it);
            step.Objective.backward();
            var taken = GradientsFinite();
            if (taken)
            {
                _optimizer.step();
                if (_project is not null)
                {
                    using var noGrad = no_grad();
                    _project();
                }
            }
            else
            {
                SkippedSteps++;
            }

            Steps++;
            report?.Invoke(it, step, !taken);
        }
    }

    private bool GradientsFinite()
    {
        using var scope = NewDisposeScope();
        var checks = _optimizer.parameters().Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToArray();
        return checks.Length == 0 || stack(checks).all().item<bool>();
    }
}
