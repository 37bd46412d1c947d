using FaceClip.Core.Runtime;
using TorchSharp;

namespace FaceClip.Core.Tests.Runtime;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void NativeRuntimeLoadsAndAutogradComputesTheGradientOfASquare()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(new[] { 1f, -2f, 3f }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        Assert.Equal(new[] { 2f, -4f, 6f }, x.grad!.data<float>().ToArray());
        Assert.StartsWith("2.", torch.__version__);
    }

    [Fact]
    public void AutoResolvesToCpuWhereNoCudaDeviceExists()
    {
        var device = TorchRuntime.ResolveDevice("auto");
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, device.type);
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("CPU").type);
    }

    [Fact]
    public void UnknownDeviceNamesAreRejectedWithTheAcceptedOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("auto, cpu, cuda", ex.Message);
    }

    [Fact]
    public void AskingForCudaWithoutItSaysHowToGetIt()
    {
        if (torch.cuda.is_available())
        {
            return;
        }

        var ex = Assert.Throws<InvalidOperationException>(() => TorchRuntime.ResolveDevice("cuda"));
        Assert.Contains("TorchBackend=cuda", ex.Message);
    }

    [Fact]
    public void ConfigureReportsThreadsAndDevice()
    {
        var context = TorchRuntime.Configure(new ComputeOptions { Device = "cpu", Threads = 1 });
        try
        {
            Assert.Equal(1, context.Threads);
            Assert.Contains("cpu (1 threads", context.Description);
        }
        finally
        {
            TorchRuntime.Configure(new ComputeOptions { Device = "cpu", Threads = Environment.ProcessorCount });
        }
    }
}
