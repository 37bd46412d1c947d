using FaceClip.Core.Optimisation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Optimisation;

public sealed class OptimisationLoopTests
{
    private sealed record Quadratic(Tensor Objective) : IStepLoss;

    private static Parameter Scalar(float value) => new(tensor(new[] { value }), requires_grad: true);

    private static Quadratic Towards(Parameter x, float target, bool poisoned = false) =>
        new((x - target).square().sum() * (poisoned ? float.NaN : 1f));

    private static float Value(Parameter x) => x.detach().cpu().data<float>()[0];

    [Fact]
    public void StepsLowerTheObjectiveAndEveryStepIsReportedInOrder()
    {
        using var x = Scalar(0);
        using var adam = optim.Adam([x], 0.1);
        var loop = new OptimisationLoop(adam);
        var reported = new List<(int Iteration, float Loss, bool Skipped)>();
        loop.Run(200, _ => Towards(x, 3), (it, step, skipped) => reported.Add((it, step.Objective.item<float>(), skipped)));
        Assert.Equal(Enumerable.Range(1, 200), reported.Select(r => r.Iteration));
        Assert.All(reported, r => Assert.False(r.Skipped));
        Assert.True(Math.Abs(Value(x) - 3) < 0.05, $"x = {Value(x)}");
        Assert.True(reported[^1].Loss < 0.01 * reported[0].Loss);
        Assert.Equal((200, 0), (loop.Steps, loop.SkippedSteps));
    }

    [Fact]
    public void AStepWithANonFiniteGradientIsSkippedAndCountedLeavingParametersAndMomentsAsTheyWere()
    {
        using var x = Scalar(0);
        using var adam = optim.Adam([x], 0.1);
        var loop = new OptimisationLoop(adam);
        var values = new List<float>();
        loop.Run(4, it => Towards(x, 3, poisoned: it == 2), (_, _, _) => values.Add(Value(x)));
        Assert.Equal(1, loop.SkippedSteps);
        Assert.Equal(values[0], values[1]); // step 2 changed nothing

        // Steps 3 and 4 are a clean run's steps 2 and 3: Adam's moments did not see the NaN.
        using var y = Scalar(0);
        using var clean = optim.Adam([y], 0.1);
        var reference = new List<float>();
        new OptimisationLoop(clean).Run(3, _ => Towards(y, 3), (_, _, _) => reference.Add(Value(y)));
        Assert.Equal(reference[1], values[2]);
        Assert.Equal(reference[2], values[3]);
        Assert.True(float.IsFinite(values[3]));
    }

    [Fact]
    public void TheProjectionRunsAfterEveryStepTaken()
    {
        using var x = Scalar(0.5f);
        using var adam = optim.Adam([x], 0.2);
        var loop = new OptimisationLoop(adam, () => x.clamp_(0, 1));
        loop.Run(30, _ => Towards(x, 5), (_, _, _) => Assert.InRange(Value(x), 0f, 1f));
        Assert.Equal(1f, Value(x));
    }

    [Fact]
    public void OneLoopOverTwoSpansIsOneOptimiserRunningOn()
    {
        using var a = Scalar(0);
        using var adamA = optim.Adam([a], 0.05);
        var twice = new OptimisationLoop(adamA);
        twice.Run(5, _ => Towards(a, 3));
        twice.Run(5, _ => Towards(a, 3));

        using var b = Scalar(0);
        using var adamB = optim.Adam([b], 0.05);
        new OptimisationLoop(adamB).Run(10, _ => Towards(b, 3));

        // A fresh Adam for the second span would restart its bias correction and take a different step.
        using var c = Scalar(0);
        using var first = optim.Adam([c], 0.05);
        new OptimisationLoop(first).Run(5, _ => Towards(c, 3));
        using var second = optim.Adam([c], 0.05);
        new OptimisationLoop(second).Run(5, _ => Towards(c, 3));

        Assert.Equal(Value(b), Value(a));
        Assert.Equal(10, twice.Steps);
        Assert.NotEqual(Value(b), Value(c));
    }

    [Fact]
    public void ACancelledRunStopsBeforeItsNextStep()
    {
        using var x = Scalar(0);
        using var adam = optim.Adam([x], 0.1);
        var loop = new OptimisationLoop(adam);
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => loop.Run(100, _ => Towards(x, 3), (it, _, _) =>
        {
            if (it == 3)
            {
                cancel.Cancel();
            }
        }, cancel.Token));
        Assert.Equal(3, loop.Steps);
    }
}
