using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Runtime;

/// <summary>
/// Initial weights drawn from a generator the caller owns, never from the global one (which other threads may be
/// drawing from or reseeding at the same time). TorchSharp's layers initialise themselves from the global generator;
/// <see cref="Reset"/> draws every linear and convolution layer of a module again, with PyTorch's default
/// distribution (weight and bias uniform in ±1/√fan-in, what kaiming-uniform with a = √5 gives), from the given one.
/// The draws use <c>rand</c>/<c>randn</c> with the generator and copy into the parameters: TorchSharp 0.107's
/// <c>nn.init.uniform_</c> given a generator did not give the same weights for the same seed.
/// </summary>
public static class SeededInit
{
    /// <summary>Redraws the weights and biases of every <see cref="Linear"/> and <see cref="Conv2d"/> in
    /// <paramref name="module"/> (itself included) from <paramref name="generator"/>, in the modules' registration order.</summary>
    public static void Reset(nn.Module module, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(generator);
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules().Prepend((string.Empty, module)))
        {
            var (weight, bias) = m switch
            {
                Linear linear => (linear.weight, linear.bias),
                Conv2d conv => (conv.weight, conv.bias),
                _ => (null, null),
            };
            if (weight is null)
            {
                continue;
            }

            var fanIn = weight.shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var bound = 1.0 / Math.Sqrt(fanIn);
            Uniform(weight, bound, generator);
            if (bias is not null)
            {
                Uniform(bias, bound, generator);
            }
        }
    }

    /// <summary>
    /// Draws a linear layer's weights again from <paramref name="generator"/> exactly as TorchSharp's
    /// <see cref="Linear"/> draws them from the global generator when it is built (the weight by LibTorch's
    /// kaiming-uniform with a = √5, then the bias uniform in ±1/√fan-in, with the same bounds computed the same way), so
    /// a generator seeded with s gives the weights that <c>manual_seed(s)</c> gave a layer built in the same order.
    /// </summary>
    public static void LinearAsBuilt(Linear layer, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(generator);
        using var noGrad = no_grad();
        var weight = layer.weight!;
        double fanIn = weight.shape[1];
        var gain = Math.Sqrt(2.0 / (1 + Math.Pow(Math.Sqrt(5), 2)));
        var bound = Math.Sqrt(3.0) * (gain / Math.Sqrt(fanIn));
        weight.uniform_(-bound, bound, generator);
        if (layer.bias is { } bias)
        {
            var biasBound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            bias.uniform_(-biasBound, biasBound, generator);
        }
    }

    /// <summary>Fills <paramref name="parameter"/> with a uniform draw in ±<paramref name="bound"/>.</summary>
    private static void Uniform(Tensor parameter, double bound, Generator generator)
    {
        using var draw = rand(parameter.shape, generator: generator, dtype: parameter.dtype);
        parameter.copy_((draw * (2 * bound)) - bound);
    }

    /// <summary>A standard-normal draw of the given shape from <paramref name="generator"/>.</summary>
    public static Tensor Normal(Generator generator, params long[] shape) => randn(shape, generator: generator);
}
