using TorchSharp;

namespace FaceClip.Core.Runtime;

/// <summary>Chooses the compute device and configures LibTorch once per process.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();

    /// <summary>Resolves a device specification (<c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c>).</summary>
    /// <exception cref="ArgumentException">The text names no device kind this build knows.</exception>
    /// <exception cref="InvalidOperationException">CUDA was asked for but is not available.</exception>
    public static torch.Device ResolveDevice(string? spec)
    {
        var text = string.IsNullOrWhiteSpace(spec) ? "auto" : spec.Trim().ToLowerInvariant();
        if (text == "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }

        if (text == "cpu")
        {
            return torch.CPU;
        }

        if (text == "cuda" || text.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
            {
                throw new InvalidOperationException(
                    $"Compute device '{spec}' was requested but CUDA is not available in this build or on this host. " +
                    "Use 'cpu' or 'auto', or run the CUDA build (dotnet build -p:TorchBackend=cuda) on a GPU host.");
            }

            return new torch.Device(text);
        }

        throw new ArgumentException($"Unknown compute device '{spec}'. Expected auto, cpu, cuda or cuda:N.", nameof(spec));
    }

    /// <summary>Applies the options (thread count) and returns the chosen device with a one-line description.</summary>
    public static ComputeContext Configure(ComputeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (Gate)
        {
            if (options.Threads > 0 && torch.get_num_threads() != options.Threads)
            {
                torch.set_num_threads(options.Threads);
            }

            var device = ResolveDevice(options.Device);
            return new ComputeContext(device, torch.get_num_threads(), Describe(device));
        }
    }

    /// <summary>A human-readable description of the device, for logs and status pages.</summary>
    public static string Describe(torch.Device device)
    {
        return device.type == DeviceType.CUDA
            ? $"cuda:{Math.Max(device.index, 0)} ({torch.cuda.device_count()} CUDA device(s))"
            : $"cpu ({torch.get_num_threads()} threads, LibTorch {torch.__version__})";
    }
}
