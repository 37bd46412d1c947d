using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Rendering;

/// <summary>Compares autograd gradients of a scalar function with central finite differences (double precision).</summary>
internal static class FiniteDifferences
{
    public static void AssertGradientMatches(Func<Tensor, Tensor> function, Tensor input, int samples = 16, double step = 1e-6, double tolerance = 1e-5, int seed = 0)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Float64, input.dtype);
        var x = input.detach().clone().requires_grad_();
        function(x).backward();
        var analytic = x.grad!.detach().reshape(-1).data<double>().ToArray();
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-8);
        var flat = input.detach().reshape(-1);
        var random = new Random(seed);
        var indices = Enumerable.Range(0, samples).Select(_ => random.Next((int)flat.numel()))
            .Concat([Array.IndexOf(analytic, analytic.MaxBy(Math.Abs))]).Distinct();
        using var _ = no_grad();
        foreach (var i in indices)
        {
            var plus = flat.clone();
            plus[i] += step;
            var minus = flat.clone();
            minus[i] -= step;
            var numeric = (function(plus.view(input.shape)).item<double>() - function(minus.view(input.shape)).item<double>()) / (2 * step);
            var scale = Math.Max(1.0, Math.Abs(numeric));
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * scale,
                $"d/dx[{i}]: autograd {analytic[i]:G8}, finite differences {numeric:G8}");
        }
    }
}
